// The chart page's live counts: with an admin token (typed in, or passed as #token=… so it never
// reaches a server log), fetch the club's stats and write them onto the chart: players per state,
// and how many times each transition happened in the window beside its edge.
const form = document.getElementById('stats-form');
const input = document.getElementById('admin-token');
const status = document.getElementById('stats-status');
const events = document.querySelector('#stats-events tbody');

async function showCounts(token) {
  status.textContent = 'Loading…';
  const response = await fetch('admin/contract/stats', { headers: { authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) {
    status.textContent = body.error?.message ?? 'The counts could not be loaded.';
    return;
  }
  for (const [state, count] of Object.entries(body.states)) {
    const label = document.querySelectorAll(`#state_${state} text`)[1];
    if (label) label.textContent = `${count} ${count === 1 ? 'player' : 'players'}`;
  }
  for (const { from, event, to, count } of body.transitions) {
    const label = document.querySelector(`#edge_${from}_${event}_${to} text`);
    if (label) label.textContent = `${label.textContent.replace(/ · \d+$/, '')} · ${count}`;
  }
  events.replaceChildren(
    ...Object.entries(body.events).map(([event, count]) => {
      const row = document.createElement('tr');
      for (const text of [event, String(count)]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
  status.textContent = `Counts for your club, events from ${body.window.since.slice(0, 10)} to ${body.window.until.slice(0, 10)}.`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  // Pasted from an Authorization header, the token comes with its scheme: it is the same token.
  const token = input.value.trim().replace(/^Bearer\s+/i, '');
  if (token === '') {
    status.textContent = 'Paste an admin token first: npm run -s cli -- token <club>.';
    return;
  }
  showCounts(token);
});

const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromFragment) {
  history.replaceState(null, '', location.pathname);
  showCounts(fromFragment);
}
