// The messages-per-second chart: two lines on a canvas, the last `windowMs` up to now.

const COLORS = { in: '#2f6fdf', out: '#e07a1f', grid: '#e2e5ea', text: '#6b7480' };
const PAD = { left: 48, right: 10, top: 10, bottom: 22 };

/**
 * The y axis for values up to `value`: a step of 1, 2 or 5 times a power of ten (at least 1, the
 * rates are whole numbers), and a top that is a whole number of steps, so that every tick reads
 * round (0, 20, 40, 60, never 13, 25, 38).
 */
export function axisTicks(value) {
  const floor = Math.max(value, 5);
  const rough = floor / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough);
  const top = Math.ceil(floor / step) * step;
  const ticks = [];
  for (let tick = 0; tick <= top + step / 2; tick += step) ticks.push(tick);
  return ticks;
}

function formatRate(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(value));
}

/**
 * Draws `samples` ({ t, in, out }, oldest first) onto `canvas`, sized to its CSS box and the
 * screen's pixel ratio so lines stay sharp.
 */
export function drawChart(canvas, samples, now, windowMs = 5 * 60 * 1000) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const start = now - windowMs;
  const visible = samples.filter((sample) => sample.t >= start);
  const ticks = axisTicks(Math.max(0, ...visible.map((sample) => Math.max(sample.in, sample.out))));
  const top = ticks.at(-1);
  const x = (t) => PAD.left + ((t - start) / windowMs) * plotW;
  const y = (value) => PAD.top + plotH - (value / top) * plotH;

  g.font = '11px system-ui, sans-serif';
  g.lineWidth = 1;
  g.strokeStyle = COLORS.grid;
  g.fillStyle = COLORS.text;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const value of ticks) {
    const lineY = Math.round(y(value)) + 0.5;
    g.beginPath();
    g.moveTo(PAD.left, lineY);
    g.lineTo(PAD.left + plotW, lineY);
    g.stroke();
    g.fillText(formatRate(value), PAD.left - 6, lineY);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const minutes = Math.round(windowMs / 60000);
  for (let minute = 0; minute <= minutes; minute += 1) {
    const label = minute === minutes ? 'now' : `-${minutes - minute}m`;
    g.fillText(label, x(start + minute * 60000), PAD.top + plotH + 6);
  }

  for (const key of ['in', 'out']) {
    g.strokeStyle = COLORS[key];
    g.lineWidth = 2;
    g.lineJoin = 'round';
    g.beginPath();
    visible.forEach((sample, index) => {
      if (index === 0) g.moveTo(x(sample.t), y(sample[key]));
      else g.lineTo(x(sample.t), y(sample[key]));
    });
    g.stroke();
  }
}
