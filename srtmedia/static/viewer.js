// The transcript viewer: paragraphs beside the media player, kept in step with it.

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n) => String(n).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`
                   : `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

function sentenceSpan(sentence) {
  const span = document.createElement("span");
  span.className = "sentence";
  span.dataset.start = sentence.start;
  span.textContent = `${sentence.text} `;
  return span;
}

function paragraphElement(paragraph) {
  const p = document.createElement("p");
  p.className = "paragraph";
  p.dataset.start = paragraph.start;
  p.dataset.end = paragraph.end;
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = clock(paragraph.start);
  p.append(time, ...paragraph.sentences.map(sentenceSpan));
  return p;
}

/** The index of the last paragraph that starts at or before `time`, or -1. */
export function paragraphAt(starts, time) {
  let low = 0, high = starts.length - 1, found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (starts[mid] <= time) { found = mid; low = mid + 1; } else { high = mid - 1; }
  }
  return found;
}

export class TranscriptViewer {
  constructor(player, container) {
    this.player = player;
    this.container = container;
    this.paragraphs = [];
    this.current = -1;
    // Clicking a sentence seeks to it, anywhere else in a paragraph to the paragraph.
    container.addEventListener("click", (event) => {
      const target = event.target.closest(".sentence, .paragraph");
      if (target) this.seek(Number(target.dataset.start));
    });
    player.addEventListener("timeupdate", () => this.highlight(player.currentTime));
    player.addEventListener("seeked", () => this.highlight(player.currentTime));
    // Audio in a <video> would show an empty black box.
    player.addEventListener("loadedmetadata", () => player.classList.toggle("audio-only", !player.videoWidth));
  }

  show(result, mediaUrl) {
    this.paragraphs = result.paragraphs.map(paragraphElement);
    this.starts = result.paragraphs.map((p) => p.start);
    this.container.replaceChildren(...this.paragraphs);
    this.current = -1;
    if (mediaUrl) this.player.src = mediaUrl;
    else this.player.removeAttribute("src");  // the media was deleted: the transcript still reads
  }

  seek(time) {
    this.player.currentTime = time;
    this.highlight(time);
  }

  highlight(time) {
    const index = paragraphAt(this.starts || [], time + 0.05);
    if (index === this.current) return;
    this.paragraphs[this.current]?.classList.remove("speaking");
    this.current = index;
    const now = this.paragraphs[index];
    if (!now) return;
    now.classList.add("speaking");
    now.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }
}
