import Koa from 'koa';

/**
 * The peer of `bench:cached-get`: a Koa server that answers every request with a small JSON body
 * and nothing else, run as its own process on PORT so it gets a core of its own as the query API does.
 */
const app = new Koa();
app.use((ctx) => {
  ctx.body = { hello: 'world' };
});
app.listen(Number(process.env.PORT), '127.0.0.1');
