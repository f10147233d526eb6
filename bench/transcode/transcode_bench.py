#!/usr/bin/python3
"""Transcoding benchmark (issue #13): the adaptive ladder in fanout-origin
against the ffmpeg CLI, same input, same ladder, same x264 settings,
measured in one run on this machine.

Input: the 720p30 2 Mbit/s clip bench/ingest publishes (a keyframe every
2 s), published once in real time and looped to --seconds.  Ladder: 720p
passthrough + 480p/1.2 Mbit/s + 360p/0.8 Mbit/s + 240p/0.4 Mbit/s, x264
veryfast, no B-frames, an IDR at every 2 s segment start and nowhere else
(the origin's rendition encoder; the CLI gets the same options), audio
shared (copied).

  fanout          fanout-origin: RTMP in, decode once, scale + encode per
                  rendition, HLS + DASH out (encoderSettingsString)
  ffmpeg, 1 proc  one ffmpeg: -filter_complex split=3, scale, libx264 x3,
                  -force_key_frames, HLS x4 (720p copied)
  ffmpeg, N procs one ffmpeg per rendition (each decodes the source), as
                  SRS's and nginx-rtmp's `exec` transcoders run them, and
                  one that copies the 720p

Also, for where the difference comes from: fanout-origin with
encoderThreads=0 (libx264 chooses its threads, as the CLI does) and one
ffmpeg per rendition with -threads 1 (one encoder thread each, as the
origin's default).

Reports CPU seconds per stream-minute for each (ffmpeg's from the
kernel's accounting at exit; the origin's from /proc/PID/stat, exited
threads included, from the publish to the last rendition's end), the ratios (goals: fanout <= 1.0x one ffmpeg, aim 0.9x; <= 0.6x
ffmpeg per rendition), the PSNR of each rendition against the source
scaled to its size for fanout and for the one-process ffmpeg (goal: within
0.3 dB), and how many such ladders one core runs in real time
(60 / fanout's CPU seconds per stream-minute).

  bench/transcode/transcode_bench.py [--seconds 60] [--reps 1]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
ORIGIN = BUILD / "bin" / "fanout-origin"
HLS_TIME = 2
PRESET = "veryfast"
LADDER = [(480, 1_200_000), (360, 800_000), (240, 400_000)]

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from harness.net import free_port, require_port as wait_port  # noqa: E402
from harness.proc import stop_all  # noqa: E402
from media_source import make_source  # noqa: E402


def name(height, bitrate):
    """Ant Media's rendition name (fileNameFormat %r%b)."""
    return f"{height}p{bitrate // 1000}kbps"


def x264_args(bitrate):
    """The origin's rendition encoder's settings (rendition_encoder.cc)."""
    return ["-c:v", "libx264", "-preset", PRESET, "-b:v", str(bitrate),
            "-maxrate", str(bitrate * 6 // 5), "-bufsize", str(bitrate * 2),
            "-bf", "0", "-forced-idr", "1",
            "-x264-params", "keyint=infinite:scenecut=0",
            "-force_key_frames", f"expr:gte(t,n_forced*{HLS_TIME})",
            "-pix_fmt", "yuv420p", "-fps_mode", "passthrough"]


def hls_args(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    return ["-f", "hls", "-hls_time", str(HLS_TIME), "-hls_list_size", "0",
            "-hls_segment_filename", str(out_dir / "%d.ts"),
            str(out_dir / "index.m3u8")]


def input_args(source, loops):
    return ["ffmpeg", "-v", "error", "-nostdin", "-re", "-stream_loop",
            str(loops - 1), "-i", str(source)]


def process_cpu(pid):
    """CPU seconds of the whole process, its exited threads included (the
    transcoder's threads end with the stream): /proc/PID/stat utime +
    stime, in clock ticks."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1]
    utime, stime = fields.split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def reap(procs):
    """Waits for every process; their CPU seconds from the kernel's
    accounting at exit (rusage: user + system, to the microsecond)."""
    total = 0.0
    for p in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        total += ru.ru_utime + ru.ru_stime
    return total


def ffmpeg_one(source, loops, work):
    """One process: split + scale + 3 encodes + 4 HLS outputs."""
    chains = ";".join(f"[s{i}]scale=-2:{h}[v{h}]"
                      for i, (h, _) in enumerate(LADDER))
    split = f"[0:v]split={len(LADDER)}" + "".join(
        f"[s{i}]" for i in range(len(LADDER)))
    cmd = input_args(source, loops) + [
        "-filter_complex", f"{split};{chains}"]
    for h, b in LADDER:
        cmd += ["-map", f"[v{h}]", "-map", "0:a"] + x264_args(b) + \
            ["-c:a", "copy"] + hls_args(work / "one" / name(h, b))
    cmd += ["-map", "0:v", "-map", "0:a", "-c", "copy"] + \
        hls_args(work / "one" / "source")
    p = subprocess.Popen(cmd, stderr=open(work / "one.log", "wb"))
    cpu = reap([p])
    assert p.returncode == 0, (work / "one.log").read_text()[-2000:]
    return cpu


def ffmpeg_each(source, loops, work, threads=None):
    """A process per rendition, each decoding the source; one copies.
    `threads`: libx264's threads (-threads), else ffmpeg's default."""
    procs = []
    enc = ["-threads", str(threads)] if threads is not None else []
    out = work / f"each{threads or ''}"
    for h, b in LADDER:
        procs.append(subprocess.Popen(
            input_args(source, loops) + ["-vf", f"scale=-2:{h}", "-map",
                                         "0:v", "-map", "0:a"]
            + x264_args(b) + enc + ["-c:a", "copy"]
            + hls_args(out / name(h, b)),
            stderr=open(work / f"each{threads or ''}-{h}.log", "wb")))
    procs.append(subprocess.Popen(
        input_args(source, loops) + ["-c", "copy"]
        + hls_args(out / "source"),
        stderr=open(work / "each-source.log", "wb")))
    cpu = reap(procs)
    assert all(p.returncode == 0 for p in procs)
    return cpu


def fanout(source, loops, work, threads=None):
    """fanout-origin with the ladder (encoderThreads `threads`, or the
    origin's default); each rendition recorded from its first segment on
    (HLS, -c copy) for the PSNR."""
    work.mkdir(parents=True, exist_ok=True)
    http, rtmp = free_port(), free_port()
    ladder = json.dumps([{"height": h, "videoBitrate": b, "audioBitrate": 0}
                         for h, b in LADDER])
    conf = work / "origin.properties"
    conf.write_text(
        f"server.name=bench\nserver.host_address=127.0.0.1\n"
        f"server.bind_address=127.0.0.1\nhttp.port={http}\nrtmp.port={rtmp}\n"
        f"clusterdb.host=sqlite://{work}/cluster.db\nhlsTime={HLS_TIME}\n"
        f"hlsListSize=5\nlog.level=warn\nencoderPreset={PRESET}\n"
        f"encoderSettingsString={ladder}\n"
        + (f"encoderThreads={threads}\n" if threads is not None else ""))
    origin = subprocess.Popen([str(ORIGIN), "--config", str(conf)],
                              stderr=open(work / "origin.log", "wb"))
    procs = [origin]
    try:
        wait_port(rtmp)
        pub = subprocess.Popen(
            input_args(source, loops) + ["-c", "copy", "-f", "flv",
                                         f"rtmp://127.0.0.1:{rtmp}/LiveApp/b"],
            stderr=open(work / "publisher.log", "wb"))
        procs.append(pub)
        c0 = process_cpu(origin.pid)
        names = ["b"] + [f"b_{name(h, b)}" for h, b in LADDER]
        recorders = {}
        deadline = time.monotonic() + loops * 30 + 30
        while time.monotonic() < deadline:
            for n in names:
                url = f"http://127.0.0.1:{http}/LiveApp/streams/{n}.m3u8"
                if n not in recorders and listed(url):
                    recorders[n] = subprocess.Popen(
                        ["ffmpeg", "-v", "error", "-nostdin",
                         "-live_start_index", "0", "-i", url, "-map", "0:v",
                         "-c", "copy", "-y", str(work / f"{n}.ts")],
                        stderr=open(work / f"rec-{n}.log", "wb"))
                    procs.append(recorders[n])
            if pub.poll() is not None and len(recorders) == len(names) \
                    and all(r.poll() is not None for r in recorders.values()):
                break
            time.sleep(0.1)
        cpu = process_cpu(origin.pid) - c0
        missing = set(names) - set(recorders)
        assert not missing, f"never listed: {missing}; " + \
            (work / "origin.log").read_text()[-2000:]
        return cpu, {n[2:] or "source": work / f"{n}.ts" for n in names}
    finally:
        stop_all(procs)


def listed(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return b"#EXTINF" in r.read()
    except OSError:
        return False


def psnr(distorted, source, loops):
    """Average PSNR of `distorted` against the source scaled to its size
    (bicubic, as both scalers), frame n against frame n (the FLV's
    millisecond timestamps would pair frames wrongly now and then)."""
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "json", str(distorted)],
        capture_output=True, check=True).stdout)["streams"][0]
    w, h = probe["width"], probe["height"]
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-i", str(distorted), "-stream_loop",
         str(loops - 1), "-i", str(source), "-lavfi",
         f"[0:v]setpts=N/(30*TB)[d];[1:v]scale={w}:{h}:flags=bicubic,"
         f"setpts=N/(30*TB)[r];[d][r]psnr=shortest=1", "-f", "null", "-"],
        capture_output=True, text=True)
    m = re.search(r"PSNR .*average:([\d.]+|inf)", out.stderr)
    assert m, out.stderr[-2000:]
    return float(m.group(1)), f"{w}x{h}"


def cli_rendition(work, h, b):
    """The one-process ffmpeg's rendition, as one file."""
    out = work / f"one-{h}.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i",
                    str(work / "one" / name(h, b) / "index.m3u8"), "-map",
                    "0:v", "-c", "copy", "-y", str(out)], check=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=60,
                    help="input length: the 30 s clip looped (default 60)")
    ap.add_argument("--reps", type=int, default=1,
                    help="runs of every case, in turn; the median is "
                         "reported (default 1)")
    args = ap.parse_args()
    loops = max(1, round(args.seconds / 30))
    minutes = loops * 30 / 60
    source = make_source(BUILD / "bench" / "src-720p-2mbps.flv", 2)
    cases = {
        "fanout": lambda w: fanout(source, loops, w / "default"),
        "fanout, encoderThreads=0":
            lambda w: fanout(source, loops, w / "auto", threads=0)[0],
        "ffmpeg, 1 process": lambda w: ffmpeg_one(source, loops, w),
        "ffmpeg, 1 per rendition": lambda w: ffmpeg_each(source, loops, w),
        "ffmpeg, 1 per rendition, -threads 1":
            lambda w: ffmpeg_each(source, loops, w, threads=1)}
    runs = {k: [] for k in cases}
    quality = None
    for _ in range(args.reps):
        work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-transcode-"))
        try:
            for k, case in cases.items():
                r = case(work)
                if k == "fanout":
                    r, recorded = r
                runs[k].append(r / minutes)
            if quality is None:     # the pictures do not change with a rerun
                quality = [(h, b, psnr(recorded[name(h, b)], source, loops),
                            psnr(cli_rendition(work, h, b), source, loops))
                           for h, b in LADDER]
        finally:
            shutil.rmtree(work, ignore_errors=True)
    report({k: statistics.median(v) for k, v in runs.items()}, quality,
           loops * 30)
    if args.reps > 1:
        print("\nEvery run (CPU s per stream-minute, in the order run):")
        for k, v in runs.items():
            print(f"- {k}: " + ", ".join(f"{x:.1f}" for x in v))
        for anchor in ("ffmpeg, 1 process", "ffmpeg, 1 per rendition"):
            print(f"- fanout / {anchor}, run by run: " + ", ".join(
                f"{f / a:.2f}x" for f, a in zip(runs["fanout"],
                                                runs[anchor])))


def report(m, quality, seconds):
    """m: CPU seconds per stream-minute by case."""
    print(f"### transcoding: 720p30 2 Mbit/s in ({seconds} s, real time), "
          f"ladder 720p passthrough + "
          + " + ".join(f"{h}p/{b / 1e6:g} Mbit/s" for h, b in LADDER)
          + f", x264 {PRESET}\n")
    print("| CPU s per stream-minute | " + " | ".join(m) + " |")
    print("| --- |" + " ---: |" * len(m))
    print("| | " + " | ".join(f"{v:.1f}" for v in m.values()) + " |\n")
    f = m["fanout"]
    print(f"- fanout / ffmpeg 1 process: **{f / m['ffmpeg, 1 process']:.2f}x"
          "** (goal <= 1.0x, aim 0.9x)")
    print(f"- fanout / ffmpeg per rendition: "
          f"**{f / m['ffmpeg, 1 per rendition']:.2f}x** (goal <= 0.6x)")
    print(f"- the same with libx264's threads left to libx264 (fanout "
          f"encoderThreads=0) / one thread each (ffmpeg -threads 1): "
          f"{m['fanout, encoderThreads=0'] / m['ffmpeg, 1 per rendition']:.2f}"
          f"x / {f / m['ffmpeg, 1 per rendition, -threads 1']:.2f}x")
    print(f"- ladders in real time per core: {60 / f:.1f}")
    print()
    print("| rendition | size | PSNR fanout (dB) | PSNR ffmpeg (dB) |"
          " difference | goal |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for h, b, (pf, size), (pc, _) in quality:
        print(f"| {name(h, b)} | {size} | {pf:.2f} | {pc:.2f} | "
              f"{pf - pc:+.2f} | >= -0.3 dB |")


if __name__ == "__main__":
    main()
