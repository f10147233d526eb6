"""HLS playlist and DASH MPD parsing for the viewer simulator: pure
functions over text (no sockets, no clock), unit-tested in
test_playlists.py.  Only what a live player needs: segment lists,
durations, init segments, where the live edge is, whether it ended."""
import re
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import List, Optional


@dataclass
class Segment:
    seq: int            # HLS media sequence number / DASH $Number$
    url: str            # absolute
    duration: float     # seconds
    init: Optional[str] = None   # absolute URL of its init segment


@dataclass
class Track:
    """One thing a player downloads: the HLS media playlist, or one DASH
    adaptation set (its first representation)."""
    name: str
    segments: List[Segment] = field(default_factory=list)


@dataclass
class Manifest:
    tracks: List[Track]
    refresh: float      # seconds between reloads (target duration, MUP)
    ended: bool         # EXT-X-ENDLIST / type="static"
    variants: List[str] = field(default_factory=list)   # HLS master only


def _attr_list(text):
    """EXT-X-... attribute list: KEY=VALUE,KEY="quoted, value"."""
    out = {}
    for m in re.finditer(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', text):
        v = m.group(2)
        out[m.group(1)] = v[1:-1] if v.startswith('"') else v
    return out


def parse_m3u8(text, url):
    """A master playlist (variants filled, no tracks) or a media playlist
    (one track).  Raises ValueError when it is not a playlist."""
    lines = [ln.strip() for ln in text.splitlines()]
    if not lines or lines[0] != "#EXTM3U":
        raise ValueError("not an M3U8 playlist")

    variants, segments = [], []
    target, seq, ended = 0.0, 0, False
    duration, init, expect_variant = None, None, False
    for ln in lines[1:]:
        if not ln:
            continue
        if ln.startswith("#EXT-X-STREAM-INF"):
            expect_variant = True
        elif ln.startswith("#EXT-X-TARGETDURATION:"):
            target = float(ln.split(":", 1)[1])
        elif ln.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            seq = int(ln.split(":", 1)[1])
        elif ln.startswith("#EXT-X-MAP:"):
            uri = _attr_list(ln.split(":", 1)[1]).get("URI")
            init = urllib.parse.urljoin(url, uri) if uri else None
        elif ln.startswith("#EXTINF:"):
            duration = float(ln.split(":", 1)[1].split(",", 1)[0])
        elif ln == "#EXT-X-ENDLIST":
            ended = True
        elif ln.startswith("#"):
            continue
        elif expect_variant:
            variants.append(urllib.parse.urljoin(url, ln))
            expect_variant = False
        else:
            segments.append(Segment(seq, urllib.parse.urljoin(url, ln),
                                    duration if duration is not None
                                    else target, init))
            seq += 1
            duration = None

    if variants:
        return Manifest([], 0.0, False, variants)
    if target <= 0:
        target = max((s.duration for s in segments), default=2.0) or 2.0
    return Manifest([Track("hls", segments)], target, ended)


_XS_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?"
    r"(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def xs_duration(text):
    """xs:duration (PT2.000S, PT1M30S) in seconds; None if malformed."""
    m = _XS_DURATION.match(text or "")
    if not m:
        return None
    d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def _template(tmpl, rep_id, bandwidth, number=None, time=None):
    def sub(m):
        name, fmt = m.group(1), m.group(2)
        if name == "":
            return "$"
        value = {"RepresentationID": rep_id, "Bandwidth": bandwidth,
                 "Number": number, "Time": time}.get(name)
        if value is None:
            return m.group(0)
        if fmt:
            return ("%" + fmt[1:]) % int(value)
        return str(value)
    return re.sub(r"\$(RepresentationID|Bandwidth|Number|Time|)(%0\d+d)?\$",
                  sub, tmpl)


def parse_mpd(text, url):
    """A dynamic or static MPD with SegmentTemplate (+ SegmentTimeline) per
    adaptation set, as the origin writes: one track per adaptation set."""
    root = ET.fromstring(text)
    ns = ""
    if root.tag.startswith("{"):
        ns = root.tag[:root.tag.index("}") + 1]

    def find(el, tag):
        return el.find(ns + tag)

    refresh = xs_duration(root.get("minimumUpdatePeriod")) or 2.0
    ended = root.get("type", "static") == "static"
    tracks = []
    period = find(root, "Period")
    if period is None:
        raise ValueError("MPD without a Period")
    for i, aset in enumerate(period.findall(ns + "AdaptationSet")):
        rep = find(aset, "Representation")
        tmpl = find(aset, "SegmentTemplate")
        if tmpl is None and rep is not None:
            tmpl = find(rep, "SegmentTemplate")
        if tmpl is None or rep is None:
            continue
        rep_id = rep.get("id", "")
        bw = rep.get("bandwidth", "0")
        timescale = int(tmpl.get("timescale", "1"))
        number = int(tmpl.get("startNumber", "1"))
        media = tmpl.get("media", "")
        init = tmpl.get("initialization")
        init_url = urllib.parse.urljoin(url, _template(init, rep_id, bw)) \
            if init else None
        name = aset.get("contentType") or aset.get("mimeType") or f"set{i}"
        segments = []
        timeline = find(tmpl, "SegmentTimeline")
        if timeline is not None:
            t = 0
            for s in timeline.findall(ns + "S"):
                if s.get("t") is not None:
                    t = int(s.get("t"))
                d = int(s.get("d"))
                for _ in range(int(s.get("r", "0")) + 1):
                    segments.append(Segment(
                        number, urllib.parse.urljoin(
                            url, _template(media, rep_id, bw, number, t)),
                        d / timescale, init_url))
                    number += 1
                    t += d
        tracks.append(Track(name, segments))
    return Manifest(tracks, refresh, ended)
