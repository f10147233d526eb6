// package/fmp4.cc — see fmp4.h.  Box layouts follow ISO/IEC 14496-12 and
// 14496-15; CMAF (23000-19) constraints where they cost nothing.
#include "package/fmp4.h"

#include "package/byte_writer.h"
#include "package/codec_info.h"

namespace fanout::package {
namespace {

// sample_depends_on=2 (an I picture) vs depends_on=1 + is_non_sync.
constexpr uint32_t kSyncFlags = 0x02000000;
constexpr uint32_t kNonSyncFlags = 0x01010000;

void matrix(ByteWriter& w)
{
    const uint32_t m[9] = {0x00010000, 0, 0, 0,         0x00010000,
                           0,          0, 0, 0x40000000};
    for (uint32_t v : m)
        w.u32(v);
}

void ftyp(ByteWriter& w)
{
    size_t b = w.begin("ftyp");
    w.fourcc("iso6");
    w.u32(0);
    for (const char* cc : {"iso6", "cmfc", "mp41", "dash"})
        w.fourcc(cc);
    w.end(b);
}

void mvhd(ByteWriter& w, uint32_t next_track_id)
{
    size_t b = w.begin_full("mvhd", 0, 0);
    w.u32(0);  // creation_time
    w.u32(0);  // modification_time
    w.u32(1000);  // timescale
    w.u32(0);  // duration: fragmented, unknown
    w.u32(0x00010000);  // rate 1.0
    w.u16(0x0100);  // volume 1.0
    w.zeros(10);
    matrix(w);
    w.zeros(24);  // pre_defined
    w.u32(next_track_id);
    w.end(b);
}

void tkhd(ByteWriter& w, uint32_t id, bool video, int width, int height)
{
    size_t b = w.begin_full("tkhd", 0, 0x000003);  // enabled, in movie
    w.u32(0);
    w.u32(0);
    w.u32(id);
    w.u32(0);  // reserved
    w.u32(0);  // duration
    w.zeros(8);
    w.u16(0);  // layer
    w.u16(0);  // alternate_group
    w.u16(video ? 0 : 0x0100);
    w.u16(0);
    matrix(w);
    w.u32(static_cast<uint32_t>(video ? width : 0) << 16);
    w.u32(static_cast<uint32_t>(video ? height : 0) << 16);
    w.end(b);
}

void mdhd(ByteWriter& w, uint32_t timescale)
{
    size_t b = w.begin_full("mdhd", 0, 0);
    w.u32(0);
    w.u32(0);
    w.u32(timescale);
    w.u32(0);
    w.u16(0x55c4);  // language "und"
    w.u16(0);
    w.end(b);
}

void hdlr(ByteWriter& w, bool video)
{
    size_t b = w.begin_full("hdlr", 0, 0);
    w.u32(0);
    w.fourcc(video ? "vide" : "soun");
    w.zeros(12);
    const char* name = video ? "VideoHandler" : "SoundHandler";
    w.bytes(name, std::char_traits<char>::length(name) + 1);
    w.end(b);
}

void dinf(ByteWriter& w)
{
    size_t b = w.begin("dinf");
    size_t dref = w.begin_full("dref", 0, 0);
    w.u32(1);
    size_t url = w.begin_full("url ", 0, 1);  // media in the same file
    w.end(url);
    w.end(dref);
    w.end(b);
}

void visual_entry(ByteWriter& w, const media::VideoConfig& v)
{
    bool hevc = v.codec == media::Codec::HEVC;
    size_t b = w.begin(hevc ? "hvc1" : "avc1");
    w.zeros(6);
    w.u16(1);  // data_reference_index
    w.zeros(16);  // pre_defined, reserved
    w.u16(static_cast<uint32_t>(v.width));
    w.u16(static_cast<uint32_t>(v.height));
    w.u32(0x00480000);  // 72 dpi
    w.u32(0x00480000);
    w.u32(0);
    w.u16(1);  // frame_count
    w.zeros(32);  // compressorname
    w.u16(0x0018);  // depth
    w.u16(0xffff);  // pre_defined = -1
    size_t rec = w.begin(hevc ? "hvcC" : "avcC");
    w.bytes(v.record.data(), v.record.size());
    w.end(rec);
    w.end(b);
}

// MPEG-4 descriptor header with a 4-byte (0x80-continued) length, the
// form most muxers emit; every parser accepts it.
void descriptor(ByteWriter& w, uint8_t tag, size_t len)
{
    w.u8(tag);
    w.u8(0x80 | ((len >> 21) & 0x7f));
    w.u8(0x80 | ((len >> 14) & 0x7f));
    w.u8(0x80 | ((len >> 7) & 0x7f));
    w.u8(len & 0x7f);
}

void audio_entry(ByteWriter& w, const media::AudioConfig& a)
{
    uint32_t rate = audio_timescale(a);
    int channels = a.channels;
    if (channels <= 0) {
        auto info = parse_asc(a.asc);
        channels =
            info.ok() && info.value().channels > 0 ? info.value().channels : 2;
    }
    size_t b = w.begin("mp4a");
    w.zeros(6);
    w.u16(1);
    w.zeros(8);
    w.u16(static_cast<uint32_t>(channels));
    w.u16(16);  // samplesize
    w.u32(0);  // pre_defined, reserved
    w.u32(rate < 65536 ? rate << 16 : 0);
    size_t esds = w.begin_full("esds", 0, 0);
    size_t dsi_len = a.asc.size();
    size_t dcd_len = 13 + 5 + dsi_len;
    size_t es_len = 3 + 5 + dcd_len + 5 + 1;
    descriptor(w, 0x03, es_len);  // ES_Descriptor
    w.u16(0);  // ES_ID
    w.u8(0);  // flags
    descriptor(w, 0x04, dcd_len);  // DecoderConfigDescriptor
    w.u8(0x40);  // MPEG-4 Audio
    w.u8(0x15);  // audio stream, reserved bit
    w.u24(0);  // bufferSizeDB
    w.u32(0);  // maxBitrate
    w.u32(0);  // avgBitrate
    descriptor(w, 0x05, dsi_len);  // DecoderSpecificInfo = ASC
    w.bytes(a.asc.data(), dsi_len);
    descriptor(w, 0x06, 1);  // SLConfigDescriptor
    w.u8(0x02);
    w.end(esds);
    w.end(b);
}

void empty_table(ByteWriter& w, const char* type, bool stsz)
{
    size_t b = w.begin_full(type, 0, 0);
    if (stsz) w.u32(0);  // sample_size
    w.u32(0);  // entry/sample count
    w.end(b);
}

void trak(ByteWriter& w, const TrackConfig& t, bool video)
{
    size_t b = w.begin("trak");
    tkhd(w, video ? kVideoTrackId : kAudioTrackId, video,
         video ? t.video->width : 0, video ? t.video->height : 0);
    size_t mdia = w.begin("mdia");
    mdhd(w, video ? kVideoTimescale : audio_timescale(*t.audio));
    hdlr(w, video);
    size_t minf = w.begin("minf");
    if (video) {
        size_t vmhd = w.begin_full("vmhd", 0, 1);
        w.zeros(8);  // graphicsmode, opcolor
        w.end(vmhd);
    } else {
        size_t smhd = w.begin_full("smhd", 0, 0);
        w.zeros(4);  // balance, reserved
        w.end(smhd);
    }
    dinf(w);
    size_t stbl = w.begin("stbl");
    size_t stsd = w.begin_full("stsd", 0, 0);
    w.u32(1);
    if (video)
        visual_entry(w, *t.video);
    else
        audio_entry(w, *t.audio);
    w.end(stsd);
    empty_table(w, "stts", false);
    empty_table(w, "stsc", false);
    empty_table(w, "stsz", true);
    empty_table(w, "stco", false);
    w.end(stbl);
    w.end(minf);
    w.end(mdia);
    w.end(b);
}

void trex(ByteWriter& w, uint32_t id)
{
    size_t b = w.begin_full("trex", 0, 0);
    w.u32(id);
    w.u32(1);  // sample description index
    w.u32(0);
    w.u32(0);
    w.u32(0);
    w.end(b);
}

// Writes a traf; returns where its trun data_offset must be patched.
size_t traf(ByteWriter& w, uint32_t id, const TrackRun& run)
{
    size_t b = w.begin("traf");
    size_t tfhd = w.begin_full("tfhd", 0, 0x020000);  // default-base-is-moof
    w.u32(id);
    w.end(tfhd);
    size_t tfdt = w.begin_full("tfdt", 1, 0);
    w.u64(static_cast<uint64_t>(run.base_dts()));
    w.end(tfdt);
    // data-offset, duration, size, flags, composition offset present.
    size_t trun = w.begin_full(
        "trun", 1, 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800);
    w.u32(static_cast<uint32_t>(run.samples.size()));
    size_t offset_at = w.size();
    w.u32(0);
    for (const Sample& s : run.samples) {
        w.u32(s.duration);
        w.u32(s.size());
        w.u32(s.sync ? kSyncFlags : kNonSyncFlags);
        w.u32(static_cast<uint32_t>(s.cto));
    }
    w.end(trun);
    w.end(b);
    return offset_at;
}

}  // namespace

std::string write_init_segment(const TrackConfig& tracks, TrackSelect select)
{
    bool video = tracks.video && select != TrackSelect::AudioOnly;
    bool audio = tracks.audio && select != TrackSelect::VideoOnly;
    std::string out;
    ByteWriter w(out);
    ftyp(w);
    size_t moov = w.begin("moov");
    mvhd(w, kAudioTrackId + 1);
    if (video) trak(w, tracks, true);
    if (audio) trak(w, tracks, false);
    size_t mvex = w.begin("mvex");
    if (video) trex(w, kVideoTrackId);
    if (audio) trex(w, kAudioTrackId);
    w.end(mvex);
    w.end(moov);
    return out;
}

ByteChain media_segment(uint32_t sequence_number, const TrackRun* video,
                        const TrackRun* audio)
{
    if (video && video->empty()) video = nullptr;
    if (audio && audio->empty()) audio = nullptr;
    const size_t video_bytes = video ? video->payload_size() : 0;
    const size_t audio_bytes = audio ? audio->payload_size() : 0;
    const size_t samples = (video ? video->samples.size() : 0)
                           + (audio ? audio->samples.size() : 0);
    std::string head;
    head.reserve(256 + 16 * samples);
    ByteWriter w(head);

    size_t styp = w.begin("styp");
    w.fourcc("msdh");
    w.u32(0);
    for (const char* cc : {"msdh", "msix", "cmfs"})
        w.fourcc(cc);
    w.end(styp);

    size_t moof = w.begin("moof");
    size_t mfhd = w.begin_full("mfhd", 0, 0);
    w.u32(sequence_number);
    w.end(mfhd);
    size_t video_offset_at = video ? traf(w, kVideoTrackId, *video) : 0;
    size_t audio_offset_at = audio ? traf(w, kAudioTrackId, *audio) : 0;
    w.end(moof);

    // data_offset counts from the moof's first byte (default-base-is-moof).
    size_t mdat_header = 8;
    size_t data_start = w.size() - moof + mdat_header;
    if (video) w.patch_u32(video_offset_at, static_cast<uint32_t>(data_start));
    if (audio)
        w.patch_u32(audio_offset_at,
                    static_cast<uint32_t>(data_start + video_bytes));
    w.u32(static_cast<uint32_t>(mdat_header + video_bytes + audio_bytes));
    w.fourcc("mdat");

    ByteChain out;
    out.reserve(1 + samples);
    out.append(SharedBytes(std::move(head)));
    for (const TrackRun* run : {video, audio}) {
        if (!run) continue;
        for (const Sample& s : run->samples)
            out.append(s.data);
    }
    return out;
}

std::string write_media_segment(uint32_t sequence_number, const TrackRun* video,
                                const TrackRun* audio)
{
    return media_segment(sequence_number, video, audio).str();
}

}  // namespace fanout::package
