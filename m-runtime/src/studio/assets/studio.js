// m studio: renders the JSON API (/api/schema, /api/plan, /api/status,
// /api/studio) and polls it. No framework, no build step.
'use strict';

const state = {
  schema: null, studio: null, plan: null, status: null,
  error: null, note: null, armed: false, instance: null, rendered: '',
};

const RISKS = ['SAFE', 'WARNING', 'BREAKING'];
const RANK = { SAFE: 0, WARNING: 1, BREAKING: 2 };

function h(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => (
    { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// Every answer names the studio's run; a new one means the binary was
// rebuilt and re-executed: reload the page (schema, script and all).
async function api(path, options = {}) {
  const init = { credentials: 'same-origin', cache: 'no-store', ...options };
  if (init.method === 'POST') init.headers = { 'x-m-studio': '1', ...(init.headers || {}) };
  const response = await fetch(path, init);
  const instance = response.headers.get('x-m-studio-instance');
  if (instance) {
    if (state.instance && instance !== state.instance) {
      location.reload();
      throw new Error('the studio restarted with a rebuilt binary: reloading');
    }
    state.instance = instance;
  }
  let body;
  try { body = await response.json(); } catch (e) { body = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok) throw new Error(body.error || `${response.status}`);
  return body;
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'doctype' && parts[1]) return { view: 'doctype', table: parts[1], tab: parts[2] || 'fields' };
  return { view: 'overview' };
}

function changes() { return (state.plan && state.plan.changes) || []; }
function changesOf(table) { return changes().filter((c) => c.table === table); }
function maxRisk(list) {
  return list.reduce((worst, c) => (worst === null || RANK[c.risk] > RANK[worst] ? c.risk : worst), null);
}
function tables() { return (state.schema && state.schema.schema.tables) || {}; }
function doctypes() { return (state.schema && state.schema.registry.doctypes) || []; }
function target(c) { return c.column ? `${c.table}.${c.column}` : c.table; }

function typeLabel(col) {
  switch (col.type) {
    case 'string': return col.max_length == null ? 'text' : `string(${col.max_length})`;
    case 'decimal': return `decimal(${col.precision}, ${col.scale})`;
    case 'custom': return col.sql;
    default: return col.type;
  }
}

function defaultLabel(d) {
  if (!d) return '';
  switch (d.kind) {
    case 'text': return `'${d.value}'`;
    case 'current_timestamp': return 'CURRENT_TIMESTAMP';
    default: return String(d.value);
  }
}

// What the change's statements hold while they run: the plan's own
// impact fields (the lock, the MySQL algorithm, a rewrite or a full scan), in
// words.
const LOCK_WORDS = {
  'ACCESS EXCLUSIVE': 'reads and writes wait',
  'SHARE': 'writes wait, reads go on',
  'SHARE ROW EXCLUSIVE': 'writes to both tables wait',
  'SHARED': 'writes wait, reads go on',
  'NONE': 'reads and writes go on',
  'WRITE': 'other writers wait',
};

function lockNote(c) {
  const i = c; // the impact fields are flattened into the change
  if (c.action !== 'apply' && !c.sql.length) return 'Nothing runs: sync does not carry this change out.';
  if (!i.lock) return 'Nothing existing is locked.';
  const parts = [`${i.lock} lock (${LOCK_WORDS[i.lock] || 'see the database\'s documentation'})`];
  if (i.algorithm) parts.push(`algorithm ${i.algorithm}`);
  if (i.rewrites_table) parts.push('rewrites the whole table');
  else if (i.scans_table) parts.push('reads every row');
  else parts.push('catalog only');
  return parts.join('; ') + '.';
}

function changeCard(c, backend) {
  const measured = c.measured_rows == null ? 'not measured (no probe for this change)' : `${c.measured_rows} row(s)`;
  const action = c.action === 'apply'
    ? '<span class="action action-apply">sync applies it</span>'
    : `<span class="action action-blocked">blocked: ${h(c.blocked_because)}</span>`;
  const sql = c.sql.length ? c.sql.join(';\n') + ';' : '(no statement)';
  return `<article class="change risk-${h(c.risk)}" data-risk="${h(c.risk)}" data-kind="${h(c.kind)}" data-column="${h(c.column || '')}">
  <div class="head"><span class="badge">${h(c.risk)}</span><strong>${h(c.kind)}</strong><code>${h(target(c))}</code></div>
  <p class="reason">${h(c.reason)}</p>
  <dl>
    <dt>Rows measured</dt><dd class="measured">${h(measured)}</dd>
    <dt>Lock / rewrite</dt><dd class="lock">${h(lockNote(c))}</dd>
    <dt>Policy</dt><dd>${action}</dd>
  </dl>
  <pre class="sql">${h(sql)}</pre>
</article>`;
}

function nav(current) {
  const byApp = {};
  for (const d of doctypes()) (byApp[d.app] = byApp[d.app] || []).push(d);
  const link = (href, label, risk, active) => `<a href="${href}"${active ? ' class="current"' : ''}><span class="dot${risk ? ` risk-${risk}` : ''}"></span>${label}</a>`;
  let html = link('#/', 'Overview', maxRisk(changes()), current.view === 'overview');
  for (const app of Object.keys(byApp).sort()) {
    html += `<h3>${h(app)}</h3>`;
    for (const d of byApp[app]) {
      const risk = maxRisk(changesOf(d.table));
      html += link(`#/doctype/${encodeURIComponent(d.table)}/${current.tab || 'fields'}`, `${h(d.name)} <span class="dim">${h(d.table)}</span>`, risk, current.table === d.table);
    }
  }
  const known = new Set(doctypes().map((d) => d.table));
  const orphans = [...new Set(changes().filter((c) => !known.has(c.table)).map((c) => c.table))];
  if (orphans.length) {
    html += '<h3>Not in the code</h3>';
    for (const t of orphans) html += link(`#/doctype/${encodeURIComponent(t)}/migration`, h(t), 'BREAKING', current.table === t);
  }
  return html;
}

function commands() {
  return (state.studio && state.studio.commands) || { sync: 'migrate sync', run: 'migrate run' };
}

function overview() {
  const plan = state.plan;
  const backend = plan ? plan.backend : '';
  let html = '<h1>Overview</h1>';
  if (!plan) return html + '<p class="dim">No plan yet.</p>';
  const s = plan.summary;
  html += `<section id="plan"><h2>Plan</h2><div class="counts">${RISKS.map((r) => `<span class="count risk-${r}" data-risk="${r}">${s[r.toLowerCase()]} ${r}</span>`).join('')}</div>`;
  if (!plan.changes.length) {
    html += '<p id="sync-now">The schema matches the code: <code>sync</code> has nothing to do.</p>';
  } else {
    html += `<p id="sync-now"><code>sync</code> now would apply ${s.apply} change(s) and hold back ${s.blocked}: <code class="cmd">${h(commands().sync)}</code></p>`;
    html += '<table class="grid"><tr><th>Risk</th><th>Change</th><th>Kind</th><th>Policy</th></tr>';
    for (const c of plan.changes) {
      html += `<tr class="risk-${h(c.risk)}"><td><span class="badge">${h(c.risk)}</span></td><td><a href="#/doctype/${encodeURIComponent(c.table)}/migration">${h(target(c))}</a></td><td>${h(c.kind)}</td><td class="action-${h(c.action)}">${h(c.action)}</td></tr>`;
    }
    html += '</table>';
  }
  html += '</section>';

  const status = state.status;
  html += '<section id="migrations"><h2>Migrations</h2>';
  if (!status || !status.migrations.length) {
    html += state.studio && state.studio.mode === 'offline'
      ? '<p class="dim">Offline: the ledger is in the database, so migrations are not known.</p>'
      : '<p class="dim">No migration registered.</p>';
  } else {
    html += `<p>${status.pending} pending, ${status.applied} applied${status.pending ? `: <code class="cmd">${h(commands().run)}</code>` : '.'}</p>`;
    html += '<table class="grid"><tr><th>Migration</th><th>Phase</th><th>Depends on</th><th>State</th><th>Applied at</th></tr>';
    for (const m of status.migrations) {
      const name = `${m.app}:${m.id}`;
      html += `<tr data-migration="${h(name)}"><td><code>${h(name)}</code>${m.tampered ? ' <span class="action-blocked">edited after it was applied</span>' : ''}</td><td>${h(m.phase)}</td><td>${m.depends_on.map((d) => `<code>${h(d)}</code>`).join(', ')}</td><td class="state state-${h(m.state)}">${h(m.state)}${m.recorded_as ? ` (${h(m.recorded_as)})` : ''}</td><td>${h(m.applied_at || '')}</td></tr>`;
    }
    html += '</table>';
    for (const p of status.problems) html += `<p class="action-blocked">${h(p)}</p>`;
    html += `<h2>Dependency graph</h2>${migrationGraph(status.migrations)}`;
  }
  html += '</section>';

  if (status && (status.migrations.some((m) => m.applied_at) || status.events.length || status.unregistered.length)) {
    // Runs from the ledger's rows; recordings without a run (baselined,
    // marked, squashed, unmarked, accepted) from its events.
    const rows = status.migrations.filter((m) => m.applied_at && !m.recorded_as).map((m) => ({ at: m.applied_at, what: `${m.app}:${m.id}`, how: `ran in ${m.duration_ms} ms` }));
    for (const e of status.events) rows.push({ at: e.at, what: `${e.app}${e.id ? `:${e.id}` : ''}`, how: e.event });
    for (const u of status.unregistered) rows.push({ at: u.applied_at, what: `${u.app}:${u.id}`, how: 'applied, no longer registered' });
    rows.sort((a, b) => String(a.at).localeCompare(String(b.at)));
    html += '<section id="ledger"><h2>Ledger history</h2><table class="grid"><tr><th>When (UTC)</th><th>Migration</th><th>What</th></tr>';
    for (const r of rows) html += `<tr><td>${h(r.at)}</td><td><code>${h(r.what)}</code></td><td>${h(r.how)}</td></tr>`;
    html += '</table></section>';
  }

  const orphans = plan.changes.filter((c) => c.kind.startsWith('orphan_'));
  const retired = plan.retired || [];
  html += '<section id="orphans"><h2>Orphan and retired columns</h2>';
  html += orphans.length
    ? `<ul>${orphans.map((c) => `<li class="orphan"><span class="badge risk-${h(c.risk)}">orphan</span> <code>${h(target(c))}</code>: ${h(c.reason)}</li>`).join('')}</ul>`
    : '<p class="dim">No orphan: every live column and table is declared or retired.</p>';
  html += retired.length
    ? `<ul>${retired.map((r) => `<li class="retired"><span class="badge retired">retired</span> <code>${h(r.column ? `${r.table}.${r.column}` : r.table)}</code>${r.app ? ` (${h(r.app)})` : ''}: kept until a migration drops it</li>`).join('')}</ul>`
    : '<p class="dim">No retired column or table left in the database.</p>';
  html += '</section>';
  html += `<section id="diagram"><h2>Tables and references</h2>${tableDiagram(backend)}</section>`;
  return html;
}

function svgText(x, y, text, extra = '') { return `<text x="${x}" y="${y}" ${extra}>${h(text)}</text>`; }

function migrationGraph(migrations) {
  const apps = [...new Set(migrations.map((m) => m.app))];
  const pos = {};
  const W = 250; const H = 30; const GAP = 14;
  const count = {};
  for (const m of migrations) {
    const col = apps.indexOf(m.app);
    const row = (count[m.app] = (count[m.app] || 0) + 1) - 1;
    pos[`${m.app}:${m.id}`] = { x: 50 + col * (W + 60), y: 30 + row * (H + GAP), m };
  }
  const rows = Math.max(...Object.values(count));
  const width = 60 + apps.length * (W + 60);
  const height = 40 + rows * (H + GAP);
  let svg = `<svg class="diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>`;
  apps.forEach((app, i) => { svg += svgText(50 + i * (W + 60), 18, app, 'font-weight="bold"'); });
  for (const p of Object.values(pos)) {
    for (const dep of p.m.depends_on) {
      const q = pos[dep];
      if (!q) continue;
      const from = q.x === p.x ? [p.x, p.y + H / 2] : (q.x < p.x ? [p.x, p.y + H / 2] : [p.x + W, p.y + H / 2]);
      const to = q.x === p.x ? [q.x, q.y + H / 2] : (q.x < p.x ? [q.x + W, q.y + H / 2] : [q.x, q.y + H / 2]);
      const bend = q.x === p.x ? -40 : 0;
      svg += `<path d="M${from[0]},${from[1]} C${from[0] + bend},${from[1]} ${to[0] + bend},${to[1]} ${to[0]},${to[1]}" fill="none" stroke="#57606a" marker-end="url(#arrow)"/>`;
    }
  }
  for (const [name, p] of Object.entries(pos)) {
    const pending = p.m.state === 'pending';
    svg += `<rect x="${p.x}" y="${p.y}" width="${W}" height="${H}" rx="5" fill="${pending ? '#fff1c2' : '#dafbe1'}" stroke="${pending ? '#9a6700' : '#1a7f37'}"/>`;
    svg += `<g data-migration="${h(name)}">${svgText(p.x + 8, p.y + 19, `${p.m.id} (${p.m.state})`)}</g>`;
  }
  return `${svg}</svg>`;
}

function tableDiagram() {
  const all = Object.values(tables());
  if (!all.length) return '<p class="dim">No table declared.</p>';
  const perRow = Math.max(1, Math.ceil(Math.sqrt(all.length)));
  const W = 210; const LINE = 16; const GAP = 50;
  const boxes = {};
  let y = 10; let width = 0;
  for (let i = 0; i < all.length; i += perRow) {
    const row = all.slice(i, i + perRow);
    const tallest = Math.max(...row.map((t) => (t.columns.length + 1) * LINE + 8));
    row.forEach((t, j) => { boxes[t.name] = { x: 10 + j * (W + GAP), y, h: (t.columns.length + 1) * LINE + 8, t }; });
    width = Math.max(width, 10 + row.length * (W + GAP));
    y += tallest + GAP;
  }
  let svg = `<svg class="diagram" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}"><defs><marker id="ref" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#0969da"/></marker></defs>`;
  for (const b of Object.values(boxes)) {
    for (const fk of b.t.foreign_keys) {
      const to = boxes[fk.ref_table];
      if (!to) continue;
      const row = b.t.columns.findIndex((c) => c.name === fk.columns[0]);
      const sy = b.y + (row + 1) * LINE + 12;
      const right = to.x > b.x;
      const sx = right ? b.x + W : b.x;
      const tx = to.x === b.x ? b.x : (right ? to.x : to.x + W);
      const ty = to.y + LINE / 2 + 4;
      const bend = to.x === b.x ? -40 : (right ? 30 : -30);
      svg += `<path class="reference" data-from="${h(b.t.name)}" data-to="${h(fk.ref_table)}" d="M${sx},${sy} C${sx + bend},${sy} ${tx - bend},${ty} ${tx},${ty}" fill="none" stroke="#0969da" marker-end="url(#ref)"/>`;
    }
  }
  for (const b of Object.values(boxes)) {
    const risk = maxRisk(changesOf(b.t.name));
    const stroke = { SAFE: '#1a7f37', WARNING: '#9a6700', BREAKING: '#cf222e' }[risk] || '#57606a';
    svg += `<a href="#/doctype/${encodeURIComponent(b.t.name)}/fields"><rect x="${b.x}" y="${b.y}" width="${W}" height="${b.h}" rx="5" fill="white" stroke="${stroke}" stroke-width="${risk ? 2.5 : 1}"/>`;
    svg += `<rect x="${b.x}" y="${b.y}" width="${W}" height="${LINE + 4}" rx="5" fill="#f6f8fa" stroke="${stroke}"/>`;
    svg += svgText(b.x + 6, b.y + 14, b.t.name, 'font-weight="bold"') + '</a>';
    b.t.columns.forEach((c, i) => {
      const pk = b.t.primary_key.includes(c.name);
      svg += svgText(b.x + 6, b.y + (i + 2) * LINE + 2, `${pk ? 'PK ' : ''}${c.name}: ${typeLabel(c)}${c.nullable ? '?' : ''}`, pk ? 'font-weight="bold"' : '');
    });
  }
  return `${svg}</svg>`;
}

function doctypeView(r) {
  const t = tables()[r.table];
  const d = doctypes().find((x) => x.table === r.table);
  const own = changesOf(r.table);
  const risk = maxRisk(own);
  let html = `<h1>${h(d ? d.name : r.table)} <span class="dim">${d ? `${h(d.app)} · ` : ''}table <code>${h(r.table)}</code></span></h1>`;
  html += `<div class="tabs"><a id="tab-fields" href="#/doctype/${encodeURIComponent(r.table)}/fields"${r.tab === 'fields' ? ' class="current"' : ''}>Fields</a>`;
  html += `<a id="tab-migration" href="#/doctype/${encodeURIComponent(r.table)}/migration"${r.tab === 'migration' ? ' class="current"' : ''}>Migration ${own.length ? `<span class="badge risk-${risk}">${own.length}</span>` : ''}</a></div>`;
  if (r.tab === 'migration') {
    html += '<section id="migration-tab">';
    const retired = (state.plan.retired || []).filter((x) => x.table === r.table);
    if (retired.length) {
      html += `<p class="retired">Retired, kept until a migration drops ${retired.length > 1 ? 'them' : 'it'}: ${retired.map((x) => `<code>${h(x.column || x.table)}</code>`).join(', ')}</p>`;
    }
    if (!own.length) {
      html += `<p id="no-change">No change for <code>${h(r.table)}</code>: the database matches the code.</p>`;
    } else {
      html += own.map((c) => changeCard(c, state.plan.backend)).join('');
      html += `<p>Apply what the policy allows with <code class="cmd">${h(commands().sync)}</code>; a BREAKING change needs a <code>#[migration]</code>.</p>`;
    }
    return `${html}</section>`;
  }
  if (!t) return `${html}<p class="dim">Not declared in the code: see its Migration tab.</p>`;
  const uniques = new Set(t.indexes.filter((i) => i.unique && i.columns.length === 1).map((i) => i.columns[0]));
  const indexed = new Set(t.indexes.filter((i) => !i.unique && i.columns.length === 1).map((i) => i.columns[0]));
  html += '<table class="grid" id="fields"><tr><th>Field</th><th>Type</th><th>Null</th><th>Default</th><th>Keys</th><th>Pending change</th></tr>';
  for (const c of t.columns) {
    const keys = [];
    if (t.primary_key.includes(c.name)) keys.push('primary key');
    if (uniques.has(c.name)) keys.push('unique');
    if (indexed.has(c.name)) keys.push('index');
    for (const fk of t.foreign_keys.filter((f) => f.columns.includes(c.name))) {
      keys.push(`→ <a href="#/doctype/${encodeURIComponent(fk.ref_table)}/fields">${h(fk.ref_table)}</a>(${h(fk.ref_columns.join(', '))}) on delete ${h(fk.on_delete)}`);
    }
    html += `<tr data-field="${h(c.name)}"><td><code>${h(c.name)}</code>${c.renamed_from && c.renamed_from.length ? ` <span class="dim">was ${h(c.renamed_from.join(', '))}</span>` : ''}</td><td>${h(typeLabel(c))}</td><td>${c.nullable ? 'NULL' : 'NOT NULL'}</td><td>${h(defaultLabel(c.default))}</td><td>${keys.map((k) => (k.startsWith('→') ? k : h(k))).join(', ')}</td><td>${own.filter((x) => x.column === c.name).map((x) => `<a class="badge risk-${h(x.risk)}" href="#/doctype/${encodeURIComponent(r.table)}/migration" title="${h(x.reason)}">${h(x.kind)}</a>`).join(' ')}</td></tr>`;
  }
  html += '</table>';
  if (t.indexes.length) {
    html += '<h2>Indexes</h2><table class="grid"><tr><th>Name</th><th>Columns</th><th>Unique</th></tr>';
    for (const i of t.indexes) html += `<tr><td><code>${h(i.name)}</code></td><td>${h(i.columns.join(', '))}</td><td>${i.unique ? 'yes' : ''}</td></tr>`;
    html += '</table>';
  }
  if (t.foreign_keys.length) {
    html += '<h2>Foreign keys</h2><table class="grid"><tr><th>Name</th><th>Columns</th><th>References</th><th>On delete</th></tr>';
    for (const f of t.foreign_keys) html += `<tr><td><code>${h(f.name)}</code></td><td>${h(f.columns.join(', '))}</td><td>${h(f.ref_table)}(${h(f.ref_columns.join(', '))})</td><td>${h(f.on_delete)}</td></tr>`;
    html += '</table>';
  }
  return html;
}

function render() {
  const r = route();
  const key = JSON.stringify([r, state.plan, state.status, state.error, state.studio && state.studio.allow_apply]);
  const s = state.studio;
  if (s) {
    document.getElementById('where').textContent = `${state.plan ? state.plan.backend : ''} · ${s.mode === 'offline' ? `offline: ${s.offline}` : s.database}${s.allow_warning ? ' · WARNING allowed' : ''}`;
    const at = s.planned_at_ms ? new Date(s.planned_at_ms).toLocaleTimeString() : '-';
    document.getElementById('planned').textContent = `planned at ${at} (${s.took_ms} ms)`;
    const button = document.getElementById('apply');
    button.hidden = !s.allow_apply;
    if (state.plan) {
      const sum = state.plan.summary;
      const warnings = state.plan.changes.filter((c) => c.risk === 'WARNING' && c.action === 'apply').length;
      button.textContent = `Apply ${sum.apply} change(s)${warnings ? `, ${warnings} of them WARNING` : ''}`;
      button.className = warnings ? 'danger' : '';
      button.disabled = sum.apply === 0;
    }
  }
  const banner = document.getElementById('banner');
  banner.hidden = !state.error && !state.note;
  banner.className = state.error ? '' : 'note';
  banner.textContent = state.error || state.note || '';
  if (key === state.rendered) return;
  state.rendered = key;
  document.getElementById('nav').innerHTML = nav(r);
  document.getElementById('main').innerHTML = r.view === 'doctype' ? doctypeView(r) : overview();
  document.body.dataset.generation = s ? s.generation : '';
}

async function refresh(replan = false) {
  try {
    if (replan) await api('/api/replan', { method: 'POST' });
    const [studio, plan, status] = await Promise.allSettled([api('/api/studio'), api('/api/plan'), api('/api/status')]);
    if (studio.status === 'fulfilled') state.studio = studio.value;
    if (plan.status === 'fulfilled') state.plan = plan.value;
    if (status.status === 'fulfilled') state.status = status.value;
    const failed = [studio, plan, status].find((x) => x.status === 'rejected');
    state.error = failed ? `The studio cannot plan right now: ${failed.reason.message}` : null;
  } catch (e) {
    state.error = `The studio does not answer (${e.message}); retrying.`;
  }
  render();
}

async function poll() {
  await refresh();
  const every = Math.max(500, (state.studio && state.studio.interval_ms) || 2000);
  setTimeout(poll, every);
}

async function apply() {
  const button = document.getElementById('apply');
  // WARNING changes may fail or change behaviour: the first click only
  // says so, the second applies.
  const warnings = state.plan ? state.plan.changes.filter((c) => c.risk === 'WARNING' && c.action === 'apply').length : 0;
  if (warnings && !state.armed) {
    state.armed = true;
    state.note = `${warnings} WARNING change(s) would be applied: they may fail or change behaviour (see each one's reason). Click Apply again to go ahead.`;
    state.rendered = '';
    render();
    return;
  }
  state.armed = false;
  button.disabled = true;
  try {
    const done = await api('/api/apply', { method: 'POST' });
    state.note = `Applied ${done.applied} change(s) (${done.statements} statement(s)); ${done.blocked} held back by the policy.`;
    setTimeout(() => { state.note = null; render(); }, 15000);
    await refresh();
  } catch (e) {
    state.error = `Apply failed: ${e.message}`;
    render();
  } finally {
    button.disabled = false;
  }
}

async function boot() {
  document.getElementById('replan').addEventListener('click', () => refresh(true));
  document.getElementById('apply').addEventListener('click', apply);
  window.addEventListener('hashchange', render);
  for (;;) {
    try { state.schema = await api('/api/schema'); break; } catch (e) {
      state.error = `The studio does not answer (${e.message}); retrying.`;
      render();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  poll();
}

boot();
