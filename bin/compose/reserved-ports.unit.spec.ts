import { covers, withoutRange, withRange } from './reserved-ports';

describe('reserved port ranges', () => {
  it('adds a range to an empty or a filled list, as the kernel prints it', () => {
    expect(withRange('\n', '34000-34099')).toBe('34000-34099');
    expect(withRange('8080,33000-33999\n', '35000-35099')).toBe('8080,33000-33999,35000-35099');
    // Adjacent runs merge in the kernel's bitmap.
    expect(withRange('33000-33999\n', '34000-34099')).toBe('33000-34099');
    expect(withRange('33000-34099', '34000-34099')).toBe('33000-34099');
  });

  it('removes only its own range, keeping one another run added meanwhile, merged or not', () => {
    expect(withoutRange('33000-34099\n', '34000-34099')).toBe('33000-33999');
    expect(withoutRange('33000-33999,34000-34099', '33000-33999')).toBe('34000-34099');
    expect(withoutRange('34000-34099\n', '34000-34099')).toBe('');
    expect(withoutRange('8080,33000-33999', '34000-34099')).toBe('8080,33000-33999');
  });

  it('tells a range reserved already from one that is not', () => {
    expect(covers('33000-34099', '34000-34099')).toBe(true);
    expect(covers('33000-33999', '34000-34099')).toBe(false);
    expect(covers('', '34000-34099')).toBe(false);
  });
});
