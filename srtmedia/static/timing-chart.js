// The timing chart of a result, drawn as SVG in the page (the CLI draws the same: srtmedia/pipeline/output/chart.py).
// Media time runs across; each cue is a dot as high as the shift applied to it, red crosses are cues
// not heard in the audio, dark lines the timing segments, dashed lines the cuts, the green band speech.

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 300, LEFT = 56, RIGHT = 12, TOP = 28, BOTTOM = 50, BAND = 10;

/** "m:ss.s" ("m:ss" without tenths), hours in front from an hour on. */
export function clock(seconds, tenths = true) {
  let s = Math.max(0, seconds);
  if (!tenths) s = Math.round(s);
  const hours = Math.floor(s / 3600), minutes = Math.floor(s / 60) % 60, rest = s % 60;
  const secs = tenths ? rest.toFixed(1).padStart(4, "0") : String(Math.floor(rest)).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${secs}` : `${minutes}:${secs}`;
}

/** Round ticks inside [low, high]: steps of 1, 2 or 5 times a power of ten. */
export function ticks(low, high, count) {
  const raw = (high - low) / Math.max(count, 1) || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(low / step) * step; t <= high + 1e-9; t += step) out.push(Number(t.toFixed(6)));
  return out;
}

/** What the chart shows, in media seconds (the same as chart_data in pipeline/chart.py). */
export function chartData(result, summary) {
  const cues = result.cues.filter((c) => c.start != null && c.original_start != null).map((c) => ({
    index: c.index, at: c.start, shift: c.start - c.original_start, found: c.found !== false,
    text: c.text, old: c.original_start, end: c.end,
  }));
  // Subtitle time before the media starts (a negative offset) is off the chart.
  const segments = (result.timing?.segments || [])
    .map((s) => ({ ...s, start: Math.max(s.start, -s.offset / s.ratio) }))
    .filter((s) => s.start < s.end)
    .map((s) => [s.start, s.end].map((t) => [s.ratio * t + s.offset, (s.ratio - 1) * t + s.offset]));
  const speech = result.transcript?.speech || [];
  const times = [...cues.map((c) => c.at), ...segments.flat().map((p) => p[0]), ...speech.map((r) => r[1])];
  const duration = Math.max(result.media?.duration || 0, ...times, 1);
  const shifts = [0, ...cues.map((c) => c.shift), ...segments.flat().map((p) => p[1])];
  const low = Math.min(...shifts), high = Math.max(...shifts), pad = Math.max(0.5, (high - low) * 0.1);
  return { cues, segments, speech, duration, low: low - pad, high: high + pad, cuts: summary?.cuts || [] };
}

/** The sentence assistive technology reads for the chart. */
export function describe(data, summary) {
  const cuts = data.cuts.map((c) => `${clock(c.at)} (${c.shift > 0 ? "+" : ""}${c.shift.toFixed(1)} s)`).join(", ");
  const missing = data.cues.filter((c) => !c.found).length;
  const offset = summary ? `offset ${summary.offset > 0 ? "+" : ""}${summary.offset.toFixed(2)} s, ` : "";
  return `Timing chart: shift applied to each of ${data.cues.length} cues across ${clock(data.duration)} of media; `
    + `${offset}cuts ${cuts || "none"}, ${missing} cue${missing === 1 ? "" : "s"} not found in the audio.`;
}

/** Cue text without HTML tags or ASS override blocks, ASS line breaks as spaces: for reading. */
export function plain(text) {
  return (text || "").replace(/<[^>]*>|\{\\[^}]*\}/g, "").replace(/\\[Nnh]/g, " ").trim();
}

function node(name, attributes = {}, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

export class TimingChart {
  /** `figure` holds the chart; `onPlay(seconds)` is called when a cue is clicked or Enter is pressed. */
  constructor(figure, { onPlay }) {
    this.figure = figure;
    this.onPlay = onPlay;
    this.tip = figure.querySelector(".chart-tip");
    this.svg = node("svg", { role: "img", tabindex: "0", class: "timing-chart" });
    figure.prepend(this.svg);
    this.selected = -1;
    this.svg.addEventListener("pointermove", (event) => this.select(this.nearest(event)));
    this.svg.addEventListener("pointerleave", () => this.select(-1));
    this.svg.addEventListener("click", (event) => this.play(this.nearest(event)));
    this.svg.addEventListener("focus", () => this.select(Math.max(this.selected, 0)));
    this.svg.addEventListener("blur", () => this.select(-1));
    this.svg.addEventListener("keydown", (event) => this.key(event));
    new ResizeObserver(() => this.data && this.draw()).observe(figure);
  }

  show(result, summary) {
    this.data = chartData(result, summary);
    this.label = describe(this.data, summary);
    this.selected = -1;
    this.draw();
  }

  draw() {
    const width = Math.max(320, Math.round(this.figure.clientWidth || 960));
    const { data } = this;
    this.x = (t) => LEFT + ((width - LEFT - RIGHT) * t) / data.duration;
    this.y = (s) => TOP + ((HEIGHT - TOP - BOTTOM) * (data.high - s)) / (data.high - data.low);
    const { x, y } = this;
    const parts = [];
    for (const value of ticks(data.low, data.high, 5)) {
      parts.push(node("line", { x1: LEFT, x2: width - RIGHT, y1: y(value), y2: y(value), class: "grid" }),
        node("text", { x: LEFT - 6, y: y(value) + 4, "text-anchor": "end" }, `${value > 0 ? "+" : ""}${value} s`));
    }
    for (const value of ticks(0, data.duration, Math.max(2, Math.floor(width / 110)))) {
      parts.push(node("text", { x: x(value), y: HEIGHT - BOTTOM + BAND + 20, "text-anchor": "middle" },
        clock(value, false)));
    }
    for (const [start, end] of data.speech) {
      parts.push(node("rect", { x: x(start), y: HEIGHT - BOTTOM + 4, width: Math.max(x(end) - x(start), 0.5),
        height: BAND, class: "speech" }));
    }
    for (const [[t0, s0], [t1, s1]] of data.segments) {
      parts.push(node("line", { x1: x(t0), y1: y(s0), x2: x(t1), y2: y(s1), class: "segment" }));
    }
    for (const cut of data.cuts) {
      parts.push(node("line", { x1: x(cut.at), x2: x(cut.at), y1: TOP, y2: HEIGHT - BOTTOM, class: "cut" }),
        node("text", { x: x(cut.at) + 4, y: TOP - 8, class: "cut-label" },
          `cut ${clock(cut.at)} ${cut.shift > 0 ? "+" : ""}${cut.shift.toFixed(1)} s`));
    }
    this.markers = data.cues.map((cue) => {
      const [cx, cy] = [x(cue.at), y(cue.shift)];
      return cue.found ? node("circle", { cx, cy, r: 3.5, class: "cue" })
        : node("path", { d: `M${cx - 4},${cy - 4}l8,8m0,-8l-8,8`, class: "cue missing" });
    });
    parts.push(...this.markers, node("text", { x: width - RIGHT, y: HEIGHT - 6, "text-anchor": "end", class: "legend" },
      "dot: cue shift · ✕: not heard · green: speech"));
    this.svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    this.svg.setAttribute("aria-label", this.label);
    this.svg.replaceChildren(node("title", {}, this.label), ...parts);
    this.select(this.selected);
  }

  /** The index of the cue nearest the pointer, across. */
  nearest(event) {
    if (!this.data?.cues.length) return -1;
    const box = this.svg.getBoundingClientRect();
    const px = ((event.clientX - box.left) * this.svg.viewBox.baseVal.width) / box.width;
    let best = 0;
    this.data.cues.forEach((cue, k) => {
      if (Math.abs(this.x(cue.at) - px) < Math.abs(this.x(this.data.cues[best].at) - px)) best = k;
    });
    return best;
  }

  select(index) {
    this.markers?.[this.selected]?.classList.remove("selected");
    this.selected = index;
    const cue = this.data?.cues[index];
    if (!cue) { this.tip.hidden = true; return; }
    this.markers[index].classList.add("selected");
    const shift = cue.shift > 0 ? `+${cue.shift.toFixed(2)}` : cue.shift.toFixed(2);
    this.tip.replaceChildren(
      Object.assign(document.createElement("strong"), { textContent: plain(cue.text) }),
      Object.assign(document.createElement("span"), {
        textContent: `${clock(cue.old)} → ${clock(cue.at)} (${shift} s)${cue.found ? "" : " · not found in the audio"}`,
      }));
    this.tip.hidden = false;
    // Beside the cue, never over it: below a cue in the upper half, above one in the lower half.
    const box = this.svg.getBoundingClientRect();
    const scale = box.width / this.svg.viewBox.baseVal.width;
    const [left, top] = [this.x(cue.at) * scale, this.y(cue.shift) * scale];
    this.tip.style.left = `${Math.min(Math.max(left - 120, 0), Math.max(box.width - 240, 0))}px`;
    const below = top < (HEIGHT * scale) / 2;
    this.tip.style.top = below ? `${top + 12}px` : "auto";
    this.tip.style.bottom = below ? "auto" : `${this.figure.clientHeight - top + 12}px`;
  }

  play(index) {
    const cue = this.data?.cues[index];
    if (cue) { this.select(index); this.onPlay(cue.at); }
  }

  key(event) {
    const last = (this.data?.cues.length || 0) - 1;
    const moves = { ArrowRight: this.selected + 1, ArrowLeft: this.selected - 1, Home: 0, End: last };
    if (event.key in moves) {
      this.select(Math.min(Math.max(moves[event.key], 0), last));
      event.preventDefault();
    } else if (event.key === "Enter" || event.key === " ") {
      this.play(this.selected);
      event.preventDefault();
    }
  }
}
