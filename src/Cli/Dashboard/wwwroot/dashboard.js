// The CryptoStreams dashboard: history from /api/* at once, then live events from /api/stream (Server-Sent Events).
// Every number shown comes from the server; the page only draws it.
import {
  createChart, createSeriesMarkers, CandlestickSeries, LineSeries, HistogramSeries, ColorType, LineStyle,
} from '/dashboard/lightweight-charts.mjs';

const SOURCE_COLORS = ['#8e6cef', '#e08a1e', '#1aa3b8', '#c94f9a', '#6a9a23', '#b0603a', '#5c7cfa', '#999999'];
const AVERAGES = [
  { key: 'smaShort', label: 'SMA short', color: '#f2b705', style: LineStyle.Solid, on: true },
  { key: 'smaLong', label: 'SMA long', color: '#2f6fdb', style: LineStyle.Solid, on: true },
  { key: 'emaShort', label: 'EMA short', color: '#f2b705', style: LineStyle.Dashed, on: false },
  { key: 'emaLong', label: 'EMA long', color: '#2f6fdb', style: LineStyle.Dashed, on: false },
];

const state = {
  asset: new URLSearchParams(location.search).get('symbol')?.toUpperCase() ?? null,
  range: '1h',
  assets: [],
  candles: new Map(),      // time → consensus candle of the shown asset
  sources: new Map(),      // source → Map(time → close)
  averages: new Map(),     // time → average point
  signals: [],
  deviation: new Map(),    // time → deviation point
  latest: new Map(),       // asset → { candle, deviation }
  shortLength: 0,
  longLength: 0,
  threshold: 0.5,
  heartbeat: 3600,
  sourceOn: new Set(),
  averageOn: new Set(AVERAGES.filter(a => a.on).map(a => a.key)),
  generation: 0,
};

const $ = (selector) => document.querySelector(selector);
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const fmt = (value, digits) => value === null || value === undefined ? '–'
  : Number(value).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const priceDigits = (value) => Math.abs(value) >= 1000 ? 2 : Math.abs(value) >= 1 ? 4 : 6;
const age = (seconds) => seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
const clock = (time) => new Date(time * 1000).toISOString().slice(11, 16);

// ---- theme ---------------------------------------------------------------------------------------------------
const prefersDark = matchMedia('(prefers-color-scheme: dark)');
function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  for (const chart of [charts.candles, charts.oracle]) {
    chart.applyOptions(chartTheme());
  }
  charts.candleSeries.applyOptions(candleColors());
  redrawCandles();
}
function chartTheme() {
  return {
    layout: { background: { type: ColorType.Solid, color: css('--panel') }, textColor: css('--text'), panes: { separatorColor: css('--line') } },
    grid: { vertLines: { color: css('--line') }, horzLines: { color: css('--line') } },
    rightPriceScale: { borderColor: css('--line') },
    timeScale: { borderColor: css('--line'), timeVisible: true, secondsVisible: false },
  };
}
function candleColors() {
  return { upColor: css('--up'), downColor: css('--down'), borderUpColor: css('--up'), borderDownColor: css('--down'), wickUpColor: css('--up'), wickDownColor: css('--down') };
}

// ---- charts --------------------------------------------------------------------------------------------------
document.documentElement.dataset.theme = localStorage.getItem('theme') ?? (prefersDark.matches ? 'dark' : 'light');
const charts = {};
charts.candles = createChart($('#candles'), { autoSize: true, ...chartTheme() });
charts.candleSeries = charts.candles.addSeries(CandlestickSeries, { ...candleColors(), priceLineVisible: true });
charts.markers = createSeriesMarkers(charts.candleSeries, []);
charts.averageSeries = Object.fromEntries(AVERAGES.map(a => [a.key,
  charts.candles.addSeries(LineSeries, { color: a.color, lineWidth: 2, lineStyle: a.style, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, visible: a.on, title: a.label })]));
charts.sourceSeries = new Map();

charts.oracle = createChart($('#oracle'), { autoSize: true, ...chartTheme() });
charts.oracleAnswer = charts.oracle.addSeries(LineSeries, { color: '#2f6fdb', lineWidth: 2, title: 'Chainlink', lineType: 1 });
charts.oracleConsensus = charts.oracle.addSeries(LineSeries, { color: '#8e6cef', lineWidth: 1, title: 'consensus', priceLineVisible: false });
charts.deviationSeries = charts.oracle.addSeries(HistogramSeries, { title: 'deviation %', priceFormat: { type: 'price', precision: 3, minMove: 0.001 } }, 1);
charts.upperBand = charts.deviationSeries.createPriceLine({ price: 0.5, color: '#d0353f', lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: '+band' });
charts.lowerBand = charts.deviationSeries.createPriceLine({ price: -0.5, color: '#d0353f', lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: '−band' });
charts.heartbeatSeries = charts.oracle.addSeries(LineSeries, { color: '#c77700', lineWidth: 1, title: 'round age min', priceLineVisible: false }, 2);
charts.heartbeatLine = charts.heartbeatSeries.createPriceLine({ price: 60, color: '#c77700', lineStyle: LineStyle.Dotted, lineWidth: 1, axisLabelVisible: true, title: 'heartbeat' });
charts.oracle.panes()[0].setHeight(150);
charts.oracle.panes()[1].setHeight(110);

// ---- drawing -------------------------------------------------------------------------------------------------
function sorted(map) { return [...map.values()].sort((a, b) => a.time - b.time); }

function candlePoint(c) {
  // A provisional candle is drawn hollow and grey until the window's final candle replaces it.
  return c.final ? { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close }
    : { time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, color: 'rgba(0,0,0,0)', borderColor: css('--muted'), wickColor: css('--muted') };
}

function redrawCandles() {
  const candles = sorted(state.candles);
  charts.candleSeries.setData(candles.map(candlePoint));
  $('#candles').dataset.points = String(candles.length);
  for (const a of AVERAGES) {
    charts.averageSeries[a.key].setData(sorted(state.averages).filter(p => p[a.key] !== null && p[a.key] !== undefined).map(p => ({ time: p.time, value: p[a.key] })));
  }
  for (const [source, closes] of state.sources) {
    sourceSeries(source).setData(sorted(closes).map(p => ({ time: p.time, value: p.close })));
  }
  drawMarkers();
  drawLegend();
}

function drawMarkers() {
  const shown = new Set(candlesTimes());
  charts.markers.setMarkers(state.signals.filter(s => shown.has(s.time)).sort((a, b) => a.time - b.time).map(s => ({
    time: s.time,
    position: s.direction === 'golden' ? 'belowBar' : 'aboveBar',
    shape: s.direction === 'golden' ? 'arrowUp' : 'arrowDown',
    color: s.direction === 'golden' ? css('--up') : css('--down'),
    text: `${s.direction} ${s.average.toUpperCase()} ${s.shortLength}/${s.longLength}`,
  })));
  $('#candles').dataset.signals = String(state.signals.length);
}
function candlesTimes() { return [...state.candles.keys()]; }

function sourceSeries(source) {
  let series = charts.sourceSeries.get(source);
  if (!series) {
    const color = SOURCE_COLORS[charts.sourceSeries.size % SOURCE_COLORS.length];
    series = charts.candles.addSeries(LineSeries, { color, lineWidth: 1, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false, visible: state.sourceOn.has(source), title: source });
    charts.sourceSeries.set(source, series);
    drawToggles();
  }
  return series;
}

function drawToggles() {
  const toggles = $('#toggles');
  toggles.replaceChildren();
  const add = (label, color, dashed, on, change) => {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = on;
    box.addEventListener('change', () => change(box.checked));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = dashed ? `repeating-linear-gradient(90deg, ${color} 0 4px, transparent 4px 6px)` : color;
    const item = document.createElement('label');
    item.dataset.toggle = label;
    item.append(box, swatch, label);
    toggles.append(item);
  };
  for (const a of AVERAGES) {
    add(`${a.label} (${a.key.endsWith('Short') ? state.shortLength : state.longLength})`, a.color, a.style !== LineStyle.Solid, state.averageOn.has(a.key), on => {
      if (on) state.averageOn.add(a.key); else state.averageOn.delete(a.key);
      charts.averageSeries[a.key].applyOptions({ visible: on });
    });
  }
  for (const [source, series] of charts.sourceSeries) {
    add(source, series.options().color, false, state.sourceOn.has(source), on => {
      if (on) state.sourceOn.add(source); else state.sourceOn.delete(source);
      series.applyOptions({ visible: on });
    });
  }
}

function drawLegend() {
  const finals = sorted(state.candles).filter(c => c.final);
  const newest = finals[finals.length - 1];
  const open = sorted(state.candles).filter(c => !c.final).length;
  const legend = $('#legend');
  legend.replaceChildren();
  if (!newest) { legend.textContent = 'no closed window yet'; return; }
  legend.dataset.time = String(newest.time);
  const digits = priceDigits(newest.close);
  legend.append(`newest closed window ${clock(newest.time)} UTC · `);
  for (const field of ['open', 'high', 'low', 'close']) {
    const b = document.createElement('b');
    b.dataset.field = field;
    b.dataset.value = String(newest[field]);
    b.textContent = fmt(newest[field], digits);
    legend.append(`${field[0].toUpperCase()} `, b, ' ');
  }
  legend.append(`· ${newest.sources.length} sources${open ? ` · ${open} open (hollow)` : ''}`);
}

function redrawDeviation() {
  const points = sorted(state.deviation);
  charts.oracleAnswer.setData(points.map(p => ({ time: p.time, value: p.oraclePrice })));
  charts.oracleConsensus.setData(points.map(p => ({ time: p.time, value: p.consensusPrice })));
  charts.deviationSeries.setData(points.map(p => ({
    time: p.time, value: p.deviationPercent,
    color: p.stale ? css('--warn') : Math.abs(p.deviationPercent) > state.threshold ? css('--bad') : css('--accent'),
  })));
  charts.heartbeatSeries.setData(points.map(p => ({ time: p.time, value: p.stalenessSeconds / 60, color: p.stale ? css('--bad') : undefined })));
  $('#oracle').dataset.points = String(points.length);
  const newest = points[points.length - 1];
  const legend = $('#oracle-legend');
  legend.replaceChildren();
  if (!newest) { legend.textContent = 'no deviation yet'; return; }
  legend.dataset.time = String(newest.time);
  const value = (field, text, cls) => {
    const b = document.createElement('b');
    b.dataset.field = field;
    b.dataset.value = String(newest[field]);
    b.textContent = text;
    if (cls) b.className = cls;
    return b;
  };
  legend.append(`window ending ${clock(newest.time + 60)} UTC · Chainlink `, value('oraclePrice', fmt(newest.oraclePrice, priceDigits(newest.oraclePrice))),
    ' · consensus ', value('consensusPrice', fmt(newest.consensusPrice, priceDigits(newest.consensusPrice))),
    ' · deviation ', value('deviationPercent', `${fmt(newest.deviationPercent, 3)} %`, Math.abs(newest.deviationPercent) > state.threshold ? 'beyond' : ''),
    ` (band ±${state.threshold} %) · round ${newest.roundId} · age `, value('stalenessSeconds', age(newest.stalenessSeconds), newest.stale ? 'stale' : ''));
}

function drawLatest() {
  const section = $('#latest');
  section.replaceChildren();
  for (const asset of state.assets) {
    const latest = state.latest.get(asset) ?? {};
    const card = document.createElement('div');
    card.className = 'card';
    card.dataset.latest = asset;
    card.setAttribute('aria-current', String(asset === state.asset));
    card.addEventListener('click', () => select(asset));
    const close = latest.candle?.close;
    const d = latest.deviation;
    card.innerHTML = `<div class="name">${asset}-USD</div>
      <div class="price" data-field="close" data-value="${close ?? ''}">${close === undefined ? '–' : fmt(close, priceDigits(close))}</div>
      <div class="sub">Chainlink ${d ? fmt(d.oraclePrice, priceDigits(d.oraclePrice)) : '–'}
        · <span data-field="deviationPercent" data-value="${d?.deviationPercent ?? ''}" class="${d && Math.abs(d.deviationPercent) > state.threshold ? 'beyond' : ''}">${d ? fmt(d.deviationPercent, 3) + ' %' : '–'}</span>
        · <span class="${d?.stale ? 'stale' : ''}">${d ? age(d.stalenessSeconds) : '–'}</span></div>`;
    section.append(card);
  }
}

function drawAssets() {
  const nav = $('#assets');
  nav.replaceChildren(...state.assets.map(asset => {
    const button = document.createElement('button');
    button.dataset.asset = asset;
    button.textContent = asset;
    button.setAttribute('aria-pressed', String(asset === state.asset));
    button.addEventListener('click', () => select(asset));
    return button;
  }));
  $('#asset-title').textContent = state.asset ? `${state.asset}-USD` : '–';
}

// ---- status panels -------------------------------------------------------------------------------------------
function drawStatus(status) {
  const now = Date.parse(status.startedAt) + status.uptimeSeconds * 1000;
  const body = $('#sources tbody');
  body.replaceChildren();
  for (const s of status.stages.extractors ?? []) {
    const row = document.createElement('tr');
    row.dataset.source = s.source;
    const fresh = s.lastTickAt ? age((now - Date.parse(s.lastTickAt)) / 1000) : '–';
    row.innerHTML = `<td>${s.source}</td><td class="state-${s.state}">${s.state}</td><td>${fmt(s.ticksPerSecond, 1)}</td><td>${fresh}</td>`
      + `<td>${s.gaps}</td><td>${s.candles}</td><td>${s.deadLetters}</td>`;
    body.append(row);
    if (s.state !== 'running' && s.lastError) {
      const reason = document.createElement('tr');
      reason.innerHTML = `<td></td><td class="reason" colspan="6"></td>`;
      reason.lastChild.textContent = s.lastError;
      body.append(reason);
    }
  }
  const stages = [];
  const b = status.stages.broker;
  if (b) stages.push(['broker', { topics: b.topics, partitions: b.partitions, connections: b.connections, 'bytes in': bytes(b.bytesIn), 'bytes out': bytes(b.bytesOut) }]);
  const t = status.stages.topology;
  if (t) stages.push(['topology', { state: t.state, 'windows closed': t.windowsClosed, late: t.lateRecords, 'dead letters': t.deadLetters, signals: t.signals }]);
  const l = status.stages.loader;
  if (l) {
    const lag = Object.entries(l.lag ?? {}).reduce((sum, [key, value]) => { const topic = key.replace(/\[\d+\]$/, ''); sum[topic] = (sum[topic] ?? 0) + value; return sum; }, {});
    stages.push(['loader', { state: l.state, 'rows/s': fmt(l.rowsPerSecond, 0), rows: l.rowsWritten, 'dead letters': l.deadLetters, 'total lag': l.totalLag,
      ...Object.fromEntries(Object.entries(lag).map(([topic, value]) => [`lag ${topic}`, value])) }]);
  }
  for (const [name, value] of Object.entries(status.stages)) {
    if (!['broker', 'topology', 'loader', 'extractors', 'results'].includes(name) && value && typeof value === 'object' && !Array.isArray(value)) {
      stages.push([name, Object.fromEntries(Object.entries(value).filter(([, v]) => v === null || typeof v !== 'object').slice(0, 6))]);
    }
  }
  $('#pipeline').replaceChildren(...stages.map(([name, figures]) => {
    const box = document.createElement('div');
    box.className = 'stage';
    box.dataset.stage = name;
    const title = document.createElement('h3');
    title.textContent = name;
    const list = document.createElement('dl');
    for (const [key, value] of Object.entries(figures)) {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = value ?? '–';
      list.append(dt, dd);
    }
    box.append(title, list);
    return box;
  }));
}
function bytes(n) { return n > 1e9 ? `${(n / 1e9).toFixed(1)} GB` : n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`; }

// ---- data ----------------------------------------------------------------------------------------------------
async function getJson(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function loadHistory() {
  const generation = ++state.generation;
  const asset = state.asset;
  // `/?history=topics` (or `database`) asks the API for one store; without it the API picks the database when there is one.
  const store = new URL(location.href).searchParams.get('history');
  const query = `symbol=${encodeURIComponent(asset)}&range=${state.range}` + (store ? `&history=${encodeURIComponent(store)}` : '');
  const [candles, deviation, signals] = await Promise.all([getJson(`/api/candles?${query}`), getJson(`/api/deviation?${query}`), getJson(`/api/signals?${query}`)]);
  if (generation !== state.generation) return;
  // Which store answered (database or topics) and why, so a page without a database says so instead of looking empty.
  const source = candles.history;
  $('#history-source').textContent = `history: ${source.name}`;
  $('#history-source').dataset.source = source.name;
  $('#history-source').title = source.reason ? `history from the ${source.name}: ${source.reason}` : `history from the ${source.name}`;
  state.shortLength = candles.shortLength;
  state.longLength = candles.longLength;
  state.threshold = deviation.thresholdPercent;
  state.heartbeat = deviation.heartbeatSeconds;
  charts.upperBand.applyOptions({ price: state.threshold, title: `+${state.threshold} %` });
  charts.lowerBand.applyOptions({ price: -state.threshold, title: `−${state.threshold} %` });
  charts.heartbeatLine.applyOptions({ price: state.heartbeat / 60 });
  state.candles = new Map(candles.candles.map(c => [c.time, c]));
  state.averages = new Map(candles.averages.map(p => [p.time, p]));
  state.signals = signals;
  state.deviation = new Map(deviation.points.map(p => [p.time, p]));
  for (const series of charts.sourceSeries.values()) charts.candles.removeSeries(series);
  charts.sourceSeries.clear();
  state.sources = new Map(Object.entries(candles.sources).map(([source, closes]) => [source, new Map(closes.map(p => [p.time, p]))]));
  drawToggles();
  redrawCandles();
  redrawDeviation();
  charts.candles.timeScale().fitContent();
  charts.oracle.timeScale().fitContent();
}

async function loadLatest() {
  for (const l of await getJson('/api/latest')) {
    state.latest.set(l.asset, { candle: l.candle, deviation: l.deviation });
  }
  drawLatest();
}

function select(asset) {
  state.asset = asset;
  const url = new URL(location.href);
  url.searchParams.set('symbol', asset);
  history.replaceState(null, '', url);
  drawAssets();
  drawLatest();
  loadHistory().catch(report);
}

function setAssets(symbols) {
  state.assets = [...new Set(symbols.map(s => s.split('-')[0]))];
  if (!state.asset || !state.assets.includes(state.asset)) {
    const first = state.assets[0] ?? null;
    if (first !== state.asset) { state.asset = first; if (first) loadHistory().catch(report); }
  }
  drawAssets();
  drawLatest();
}

// Live: one Server-Sent-Events connection; the browser reconnects by itself and the history is reloaded then.
function connect() {
  const events = new EventSource('/api/stream');
  let opened = false;
  events.onopen = () => {
    $('#live').dataset.state = 'open';
    $('#live').textContent = 'live';
    if (opened && state.asset) loadHistory().catch(report);
    opened = true;
  };
  events.onerror = () => { $('#live').dataset.state = 'closed'; $('#live').textContent = 'reconnecting'; };
  events.addEventListener('symbols', e => setAssets(JSON.parse(e.data)));
  events.addEventListener('status', e => { const status = JSON.parse(e.data); later(() => drawStatus(status)); });
  events.addEventListener('consensus', e => {
    const { asset, candle, average } = JSON.parse(e.data);
    if (candle.final) { state.latest.set(asset, { ...(state.latest.get(asset) ?? {}), candle }); later(drawLatest); }
    if (asset !== state.asset) return;
    const known = state.candles.get(candle.time);
    if (known?.final && !candle.final) return;
    state.candles.set(candle.time, candle);
    if (average) state.averages.set(average.time, average);
    later(redrawCandles);
  });
  events.addEventListener('source', e => {
    const { asset, source, point } = JSON.parse(e.data);
    if (asset !== state.asset) return;
    if (!state.sources.has(source)) state.sources.set(source, new Map());
    const closes = state.sources.get(source);
    const newest = point.time >= lastTime(closes);
    const known = closes.has(point.time);
    closes.set(point.time, point);
    // update() appends at the end or replaces a point it has; a window arriving out of order (a late source) is drawn anew.
    if (newest || known) sourceSeries(source).update({ time: point.time, value: point.close }, !newest);
    else sourceSeries(source).setData(sorted(closes).map(p => ({ time: p.time, value: p.close })));
  });
  events.addEventListener('deviation', e => {
    const { asset, point } = JSON.parse(e.data);
    state.latest.set(asset, { ...(state.latest.get(asset) ?? {}), deviation: point });
    later(drawLatest);
    if (asset !== state.asset) return;
    state.deviation.set(point.time, point);
    later(redrawDeviation);
  });
  events.addEventListener('signal', e => {
    const { asset, point } = JSON.parse(e.data);
    if (asset !== state.asset) return;
    state.signals.push(point);
    later(drawMarkers);
  });
}
// Live events come faster than frames: each drawing runs at most once per frame, with the newest state.
const due = new Set();
function later(draw) {
  if (due.size === 0) requestAnimationFrame(() => { const draws = [...due]; due.clear(); for (const d of draws) d(); });
  due.add(draw);
}
function lastTime(map) { let last = -Infinity; for (const t of map.keys()) if (t > last) last = t; return last; }

function report(error) {
  console.warn(error);
  $('#live').dataset.state = 'closed';
  $('#live').textContent = String(error.message ?? error).slice(0, 80);
}

// ---- controls ------------------------------------------------------------------------------------------------
for (const button of document.querySelectorAll('#ranges button')) {
  button.addEventListener('click', () => {
    state.range = button.dataset.range;
    for (const other of document.querySelectorAll('#ranges button')) other.setAttribute('aria-pressed', String(other === button));
    loadHistory().catch(report);
  });
}
$('#theme').addEventListener('click', () => {
  const theme = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('theme', theme);
  applyTheme(theme);
});
prefersDark.addEventListener('change', e => { if (!localStorage.getItem('theme')) applyTheme(e.matches ? 'dark' : 'light'); });

setAssets(await getJson('/symbols'));
loadLatest().catch(report);
connect();
