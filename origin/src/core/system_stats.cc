#include "core/system_stats.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

namespace fanout {

namespace {

// /proc files report a size of 0, so read until EOF.
Result<std::string> read_file(const char* path)
{
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Error(std::string(path) + ": " + std::strerror(errno));
    }
    std::string out;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;
            ::close(fd);
            return Error(std::string(path) + ": " + std::strerror(e));
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > (1u << 20)) {
            break;  // nothing we read is that big; do not loop forever
        }
    }
    ::close(fd);
    return out;
}

// Whitespace-separated unsigned numbers.
std::vector<uint64_t> numbers(std::string_view s)
{
    std::vector<uint64_t> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) {
            i++;
        }
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') {
            j++;
        }
        if (j == i) {
            break;
        }
        uint64_t v = 0;
        auto [p, ec] = std::from_chars(s.data() + i, s.data() + j, v);
        if (ec != std::errc() || p != s.data() + j) {
            // A field such as "-1" or "R": keep positions, value 0.
            v = 0;
        }
        out.push_back(v);
        i = j;
    }
    return out;
}

int64_t mono_ms()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

std::optional<CpuTicks> parse_proc_stat(std::string_view text)
{
    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
    if (text.substr(0, 4) != "cpu ") {
        return std::nullopt;
    }
    std::string_view line = text.substr(4, text.find('\n') - 4);
    std::vector<uint64_t> v = numbers(line);
    if (v.size() < 4) {
        return std::nullopt;
    }
    CpuTicks t;
    // guest and guest_nice are already counted in user and nice.
    size_t n = v.size() > 8 ? 8 : v.size();
    for (size_t i = 0; i < n; i++) {
        t.total += v[i];
    }
    t.idle = v[3] + (v.size() > 4 ? v[4] : 0);
    return t;
}

std::optional<ProcTicks> parse_self_stat(std::string_view text)
{
    // pid (comm) state ppid ... ; comm may contain ") (", so use the last ')'.
    size_t close = text.rfind(')');
    if (close == std::string_view::npos || close + 2 > text.size()) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(close + 2);
    // rest starts at field 3 (state); utime=14, stime=15, starttime=22.
    std::vector<uint64_t> v = numbers(rest);
    if (v.size() < 20) {
        return std::nullopt;
    }
    ProcTicks t;
    t.cpu_ticks = v[14 - 3] + v[15 - 3];
    t.start_ticks = v[22 - 3];
    return t;
}

std::optional<MemInfo> parse_meminfo(std::string_view text)
{
    MemInfo m;
    bool have_total = false;
    bool have_available = false;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        std::string_view key = line.substr(0, colon);
        std::vector<uint64_t> v = numbers(line.substr(colon + 1));
        if (v.empty()) {
            continue;
        }
        uint64_t bytes = v[0] * 1024;  // values are in kB
        if (key == "MemTotal") {
            m.total = bytes;
            have_total = true;
        } else if (key == "MemFree") {
            m.free = bytes;
        } else if (key == "MemAvailable") {
            m.available = bytes;
            have_available = true;
        } else if (key == "SwapTotal") {
            m.swap_total = bytes;
        } else if (key == "SwapFree") {
            m.swap_free = bytes;
        }
    }
    if (!have_total) {
        return std::nullopt;
    }
    if (!have_available) {  // kernels before 3.14
        m.available = m.free;
    }
    return m;
}

double mem_used_percent(const MemInfo& m)
{
    if (m.total == 0) {
        return 0;
    }
    uint64_t used = m.total - std::min(m.total, m.available);
    return 100.0 * double(used) / double(m.total);
}

std::optional<LoadAvg> parse_loadavg(std::string_view text)
{
    LoadAvg l;
    double* out[] = {&l.load1, &l.load5, &l.load15};
    const char* p = text.data();
    const char* end = p + text.size();
    for (double* v : out) {
        while (p < end && *p == ' ') {
            p++;
        }
        auto [next, ec] = std::from_chars(p, end, *v);
        if (ec != std::errc() || next == p || *v < 0) {
            return std::nullopt;
        }
        p = next;
    }
    return l;
}

std::optional<Statm> parse_statm(std::string_view text)
{
    std::vector<uint64_t> v = numbers(text.substr(0, text.find('\n')));
    if (v.size() < 2) {
        return std::nullopt;
    }
    return Statm{v[0], v[1]};
}

SystemSampler::SystemSampler(std::string disk_path)
    : disk_path_(std::move(disk_path))
{
}

namespace {

// A /proc file through its parser; `bad` says what a text it cannot parse
// lacks.
template <class T>
Result<T> read_parsed(const char* path,
                      std::optional<T> (*parse)(std::string_view),
                      const char* bad)
{
    auto text = read_file(path);
    if (!text.ok()) {
        return text.error();
    }
    std::optional<T> parsed = parse(text.value());
    if (!parsed) {
        return Error(std::string(path) + ": " + bad);
    }
    return *parsed;
}

// The machine's memory, swap and load averages, and this process's memory.
Status read_memory(SystemStats& s)
{
    auto mem = read_parsed("/proc/meminfo", parse_meminfo, "no MemTotal");
    if (!mem.ok()) {
        return mem.error();
    }
    auto statm =
        read_parsed("/proc/self/statm", parse_statm, "unexpected format");
    if (!statm.ok()) {
        return statm.error();
    }
    uint64_t page = uint64_t(sysconf(_SC_PAGESIZE));
    s.process_rss_bytes = statm->resident_pages * page;
    s.process_virtual_bytes = statm->virtual_pages * page;
    s.mem_total_bytes = mem->total;
    s.mem_free_bytes = mem->free;
    s.mem_available_bytes = mem->available;
    s.swap_total_bytes = mem->swap_total;
    s.swap_free_bytes = mem->swap_free;
    s.mem_used_percent = mem_used_percent(mem.value());
    auto load = read_parsed("/proc/loadavg", parse_loadavg, "no load averages");
    if (!load.ok()) {
        return load.error();
    }
    s.load1 = load->load1;
    s.load5 = load->load5;
    s.load15 = load->load15;
    return Status();
}

Status read_disk(SystemStats& s, const std::string& path)
{
    struct statvfs fs {};
    if (::statvfs(path.c_str(), &fs) != 0) {
        return Error("statvfs " + path + ": " + std::strerror(errno));
    }
    s.disk_total_bytes = uint64_t(fs.f_blocks) * fs.f_frsize;
    s.disk_free_bytes = uint64_t(fs.f_bfree) * fs.f_frsize;
    s.disk_available_bytes = uint64_t(fs.f_bavail) * fs.f_frsize;
    return Status();
}

}  // namespace

Result<SystemStats> SystemSampler::sample()
{
    SystemStats s;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    long hz = sysconf(_SC_CLK_TCK);
    s.cpu_count = ncpu > 0 ? int(ncpu) : 1;
    if (hz <= 0) {
        hz = 100;
    }
    auto cpu =
        read_parsed("/proc/stat", parse_proc_stat, "no aggregate cpu line");
    if (!cpu.ok()) {
        return cpu.error();
    }
    auto proc =
        read_parsed("/proc/self/stat", parse_self_stat, "unexpected format");
    if (!proc.ok()) {
        return proc.error();
    }
    if (Status st = read_memory(s); !st) {
        return st.error();
    }
    if (Status st = read_disk(s, disk_path_); !st) {
        return st.error();
    }
    s.process_cpu_time_ms = proc->cpu_ticks * 1000 / uint64_t(hz);
    std::lock_guard lock(mutex_);
    cpu_rates(cpu.value(), proc.value(), hz, s);
    return s;
}

void SystemSampler::cpu_rates(const CpuTicks& cpu, const ProcTicks& proc,
                              long hz, SystemStats& s)
{
    int64_t now = mono_ms();
    uint64_t d_total = cpu.total;
    uint64_t d_idle = cpu.idle;
    double proc_ticks = double(proc.cpu_ticks);
    double wall_ticks;
    if (have_prev_) {
        d_total = cpu.total - std::min(cpu.total, prev_total_ticks_);
        d_idle = cpu.idle - std::min(cpu.idle, prev_idle_ticks_);
        proc_ticks =
            double(proc.cpu_ticks - std::min(proc.cpu_ticks, prev_proc_ticks_));
        s.interval_ms = now - prev_mono_ms_;
        wall_ticks = double(s.interval_ms) * double(hz) / 1000.0;
    } else {
        // First sample: since boot (system) and since start (process).
        double uptime_s = 0;
        auto up = read_file("/proc/uptime");
        if (up.ok()) {
            uptime_s = std::strtod(up.value().c_str(), nullptr);
        }
        wall_ticks = uptime_s * double(hz) - double(proc.start_ticks);
        s.interval_ms = int64_t(wall_ticks * 1000.0 / double(hz));
    }
    if (d_total > 0) {
        s.system_cpu_percent = 100.0
                               * double(d_total - std::min(d_total, d_idle))
                               / double(d_total);
    }
    if (wall_ticks > 0) {
        s.process_cpu_percent = 100.0 * proc_ticks / (wall_ticks * s.cpu_count);
        if (s.process_cpu_percent > 100.0) {
            s.process_cpu_percent = 100.0;  // tick rounding on short intervals
        }
    }
    have_prev_ = true;
    prev_total_ticks_ = cpu.total;
    prev_idle_ticks_ = cpu.idle;
    prev_proc_ticks_ = proc.cpu_ticks;
    prev_mono_ms_ = now;
}

}  // namespace fanout
