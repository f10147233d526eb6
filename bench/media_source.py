"""The media the benchmarks publish: a 30 s 720p30 H.264/AAC FLV, a
keyframe per 2 s, made once with ffmpeg and kept (BUILD/bench/...), so
that publishers can send it with -c copy at almost no CPU of their own."""
import subprocess


def make_source(path, mbps, audio_kbps=128):
    """The file at `path`, at `mbps` Mbit/s of video (+ `audio_kbps`
    kbit/s AAC)."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.flv")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=48000", "-t", "30",
         "-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{mbps}M",
         "-maxrate", f"{mbps}M", "-bufsize", f"{2 * mbps}M", "-g", "60",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", f"{audio_kbps}k",
         "-f", "flv",
         str(tmp)], check=True)
    tmp.rename(path)
    return path
