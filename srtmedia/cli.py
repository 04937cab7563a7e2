"""The ``srtmedia`` command line."""
import os
import sys
import tempfile
import time

import click

from srtmedia import __version__

# Share of the whole run each stage takes, for one overall percentage.
STAGE_SPAN = {"transcribing": (0, 55), "processing_llm": (55, 60), "aligning": (60, 100)}
EXIT_BAD_INPUT = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="srtmedia")
def main():
    """srtmedia: subtitles plus media in, a time-accurate readable transcript out."""


@main.command()
@click.argument("subtitles", type=click.Path(dir_okay=False))
@click.argument("media", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Where to write the result; its extension picks the format "
                   "(.json, .srt, .vtt, .ass, .ssa, .txt, .md). Use - for standard output.")
@click.option("-f", "--format", "fmt",
              type=click.Choice(["json", "srt", "vtt", "ass", "ssa", "txt", "md", "subtitles"]),
              help="Output format, overriding the extension of --output; subtitles = the format of SUBTITLES.")
@click.option("--plot", type=click.Path(dir_okay=False),
              help="Also draw the timing chart (shift per cue, cuts, speech) into this .svg or .png file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--text-engine", type=click.Choice(["auto", "builtin", "llm"]),
              help="Sentence/paragraph engine: the built-in offline one, an LLM "
                   "(SRTMEDIA_LLM_BASE_URL, SRTMEDIA_LLM_MODEL, SRTMEDIA_LLM_API_KEY), or "
                   "auto = the LLM when configured. [default: auto]")
@click.option("--whisper-model", type=click.Path(file_okay=False),
              help="Folder of a CTranslate2 Whisper model to use instead of the bundled tiny.en.")
@click.option("--language", help="Language of the subtitles and speech (ISO 639-1: es, de, zh...). "
                                "[default: detected from the subtitle text]")
@click.option("--no-word-timing", is_flag=True,
              help="Skip forced alignment: faster, word times from the recogniser (~0.1 s coarser).")
@click.option("--max-cues", type=int, help="Refuse subtitle files with more cues. [default: 50000]")
@click.option("--max-duration", type=float,
              help="Refuse media longer than this many seconds. [default: 21600]")
@click.option("--threads", type=int, help="CPU threads to use; 0 = all cores. [default: 0]")
@click.option("--debug", is_flag=True, help="On failure, show the Python traceback as well.")
def process(subtitles, media, output, fmt, plot, quiet, text_engine, whisper_model, language,
            no_word_timing, max_cues, max_duration, threads, debug):
    """Align SUBTITLES (SRT, WebVTT, ASS or SSA) to MEDIA (any audio or video FFmpeg reads).

    Settings not given here come from SRTMEDIA_* environment variables.
    """
    from srtmedia.pipeline import Options, PipelineError, run
    from srtmedia.pipeline.output.chart import check_chart_path, write_chart
    from srtmedia.pipeline.output.exports import SUBTITLE_FORMATS, export, format_for_path
    from srtmedia.pipeline.text.subtitles import subtitle_format

    original = _subtitle_text(subtitles)
    try:
        if fmt == "subtitles":
            fmt = subtitle_format(original) if original is not None else "srt"
        fmt = format_for_path(output, fmt) if output != "-" else (fmt or "json")
        if plot:
            check_chart_path(plot)
    except (ValueError, RuntimeError, PipelineError) as exc:
        _fail(str(exc))
    for label, path in (("subtitle file", subtitles), ("media file", media)):
        if not os.path.isfile(path):
            _fail(f"{label} not found: {path}")
    options = Options.from_env(
        text_engine=text_engine, whisper_model=whisper_model, language=language,
        word_timing=False if no_word_timing else None, max_cues=max_cues,
        max_duration=max_duration, threads=threads)
    bar = None if quiet or not sys.stderr.isatty() else ProgressBar(sys.stderr)
    started = time.monotonic()
    try:
        result = run(subtitles, media, options, progress=bar)
        seconds = time.monotonic() - started
        text = export(result, fmt, original if fmt in SUBTITLE_FORMATS else None)
        _write(output, text)
        if plot:
            write_chart(result, plot)
    except KeyboardInterrupt:
        _fail("interrupted", bar, code=130)
    except Exception as exc:
        if debug:
            raise
        if isinstance(exc, PipelineError):
            _fail(str(exc), bar)
        if isinstance(exc, (ValueError, OSError)):  # a misconfigured engine, an unwritable output
            _fail(_one_line(exc), bar, code=1)
        _fail(f"internal error ({type(exc).__name__}: {_one_line(exc)}); "
              "run again with --debug for the traceback", bar, code=1)
    if bar:
        bar.finish()
    if not quiet:
        _print_summary(result, seconds, output, plot)


def _subtitle_text(path):
    """The subtitle file's text, or None when it is unreadable (the run then says why)."""
    from srtmedia.pipeline.errors import SubtitleError
    from srtmedia.pipeline.text.subtitles import decode_subtitle_bytes

    try:
        with open(path, "rb") as source:
            return decode_subtitle_bytes(source.read())
    except (OSError, SubtitleError):
        return None


def _print_summary(result, seconds, output, plot):
    """What the run changed, in a few lines on standard error (see pipeline/summary.py)."""
    from srtmedia.pipeline.output.summary import describe, summarize

    written = [name for name in (output, plot) if name and name != "-"]
    click.echo(f"srtmedia: {len(result['paragraphs'])} paragraphs, {len(result['cues'])} cues"
               + (f" -> {', '.join(written)}" if written else ""), err=True)
    for line in describe(summarize(result), seconds):
        click.echo(f"srtmedia: {line}", err=True)
    for warning in result.get("warnings", []):
        click.echo(f"srtmedia: warning: {warning}", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the API listens on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port of the API.")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Uploads, results and the embedded Redis's files. [default: SRTMEDIA_DATA_DIR or ./data]")
@click.option("--workers", type=click.IntRange(min=1),
              help="Pipeline workers; each job gets the cores divided among them (SRTMEDIA_THREADS overrides). "
                   "[default: one per two cores]")
@click.option("--grace", default=60.0, show_default=True, type=float,
              help="Seconds a stopping worker may finish its job before handing it back.")
def serve(host, port, data_dir, workers, grace):
    """Run the whole service: Redis (embedded unless REDIS_URL is set), the API and workers.

    Settings come from the environment over the file SRTMEDIA_CONFIG names.
    """
    from srtmedia.config import Config
    from srtmedia.serve import AlreadyServing, Server

    server = Server(data_dir or Config.from_env().data_dir, host=host, port=port, workers=workers,
                    grace=max(grace, 1.5), out=lambda text: click.echo(text, err=True))
    try:
        server.start()
    except (AlreadyServing, RuntimeError) as exc:
        _fail(str(exc), code=1)
    sys.exit(server.run())


@main.command()
@click.option("--name", help="Worker name, unique per Redis. [default: RQ's]")
@click.option("--queues", type=click.Choice(["all", "pipeline", "webhooks"]), default="all", show_default=True,
              help="Which of the service's queues to take jobs from.")
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@click.option("--log-level", default="INFO", show_default=True)
def worker(name, queues, burst, log_level):
    """Run one RQ worker against REDIS_URL, sharing SRTMEDIA_DATA_DIR with the API."""
    from srtmedia.tasks.worker import run

    run(burst=burst, name=name, which=queues, log_level=log_level)


@main.group()
def apikey():
    """API keys for SRTMEDIA_AUTH=apikey, kept (hashed) in the service's Redis."""


def _auth_redis(redis_url):
    from redis import Redis

    from srtmedia.config import Config

    return Redis.from_url(redis_url or Config.from_env().redis_url)


_REDIS_URL = click.option("--redis-url", help="The service's Redis (serve prints it). [default: REDIS_URL]")


@apikey.command("create")
@click.argument("user")
@_REDIS_URL
def apikey_create(user, redis_url):
    """Make a new key for USER and print it: it is shown this once, only its hash is stored."""
    from srtmedia.api.auth import create_key

    try:
        click.echo(create_key(_auth_redis(redis_url), user))
    except ValueError as exc:
        _fail(str(exc))


@apikey.command("revoke")
@click.argument("key")
@_REDIS_URL
def apikey_revoke(key, redis_url):
    """Make KEY stop working at once."""
    from srtmedia.api.auth import revoke_key

    if not revoke_key(_auth_redis(redis_url), key):
        _fail("no such key")
    click.echo("revoked", err=True)


def _write(path, text):
    """Write atomically so a failed run never leaves half a file behind."""
    if path == "-":
        sys.stdout.write(text)
        return
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".srtmedia-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


def _fail(message, bar=None, code=EXIT_BAD_INPUT):
    if bar:
        bar.clear()
    click.echo(f"srtmedia: error: {message}", err=True)
    sys.exit(code)


class ProgressBar:
    """One self-rewriting line: overall percent, a bar, the stage and its message."""

    WIDTH = 24

    def __init__(self, stream):
        self.stream = stream
        self.percent = 0
        self.started = time.monotonic()
        self.last_draw = 0.0

    def __call__(self, stage, fraction, message):
        lo, hi = STAGE_SPAN.get(stage, (0, 100))
        self.percent = max(self.percent, int(lo + (hi - lo) * fraction))
        now = time.monotonic()
        if now - self.last_draw >= 0.1 or fraction >= 1.0:
            self.last_draw = now
            filled = self.WIDTH * self.percent // 100
            line = (f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {self.percent:3d}% "
                    f"{stage:<14} {message[:40]:<40} {now - self.started:5.0f}s")
            self.stream.write(line)
            self.stream.flush()

    def clear(self):
        self.stream.write("\r" + " " * 100 + "\r")
        self.stream.flush()

    def finish(self):
        self("aligning", 1.0, "done")
        self.stream.write("\n")
        self.stream.flush()


if __name__ == "__main__":
    main()
