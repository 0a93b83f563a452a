import test from 'ava';
import { BoundedCache } from '../src/bounded-cache.ts';

// src/bounded-cache.ts: what the app remembers between requests takes memory of a fixed size, the
// terms' HTML counted in characters (src/terms/terms-html-cache.ts).

const byCharacters = (capacity: number) =>
  new BoundedCache<string>(
    capacity,
    () => 0,
    (html) => html.length,
  );

test('past its capacity in characters, the least recently used values go first', (t) => {
  const cache = byCharacters(10);
  cache.set('a', 'aaaa');
  cache.set('b', 'bbbb');
  t.is(cache.get('a'), 'aaaa', 'a is now used more recently than b');

  cache.set('c', 'cccc');

  t.is(cache.get('b'), undefined);
  t.is(cache.get('a'), 'aaaa');
  t.is(cache.get('c'), 'cccc');
});

test('a value larger than the whole capacity is not kept, and pushes nothing out', (t) => {
  const cache = byCharacters(10);
  cache.set('a', 'aaaa');

  cache.set('big', 'x'.repeat(11));

  t.is(cache.get('big'), undefined);
  t.is(cache.get('a'), 'aaaa');
});

test('a value kept until a time is gone once that time has come', (t) => {
  let now = 0;
  const cache = new BoundedCache<number>(10, () => now);
  cache.set('a', 1, 100);

  now = 99;
  t.is(cache.get('a'), 1);
  now = 100;
  t.is(cache.get('a'), undefined);
});
