/**
 * The unit project's promise (README: Tests): pure logic, no I/O. A unit spec that opens a
 * socket, as a server or a client, fails at once with where it belongs instead of quietly
 * depending on the machine. Node's own modules are shared by every test file a Jest worker runs,
 * so the originals come back after each unit file.
 */
import net from 'node:net';

const refuse = (what: string) =>
  function refused(): never {
    throw new Error(`a unit test may not ${what}: name the spec *.int.spec.ts (README: Tests)`);
  };

const { listen } = net.Server.prototype;
const { connect } = net.Socket.prototype;
net.Server.prototype.listen = refuse('listen on a socket');
net.Socket.prototype.connect = refuse('open a connection') as typeof connect;

afterAll(() => {
  net.Server.prototype.listen = listen;
  net.Socket.prototype.connect = connect;
});
