// core/system_stats.h — CPU, memory and disk of this machine and process,
// from /proc and statvfs: what GET /rest/v2/system-resources shows and what
// a node heartbeat reports (fo_node.cpu, mem_percent, process_cpu,
// process_rss, load1).
//
// CPU percentages are rates, so a sampler remembers its previous sample:
// each sample() covers the time since the one before (the first one: since
// boot for the system, since process start for the process).  Give each
// user (REST, heartbeat) its own sampler so their intervals do not mix.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace fanout {

struct SystemStats {
    int cpu_count = 0;  // online CPUs
    double system_cpu_percent = 0;  // busy share of all CPUs, 0..100
    double process_cpu_percent = 0;  // this process, share of all CPUs
    uint64_t process_cpu_time_ms = 0;  // user + system, since start
    int64_t interval_ms = 0;  // what the percentages cover

    uint64_t process_rss_bytes = 0;
    uint64_t process_virtual_bytes = 0;

    uint64_t mem_total_bytes = 0;
    uint64_t mem_free_bytes = 0;
    uint64_t mem_available_bytes = 0;  // MemAvailable: free + reclaimable
    uint64_t swap_total_bytes = 0;
    uint64_t swap_free_bytes = 0;
    // (MemTotal - MemAvailable) / MemTotal, 0..100.
    double mem_used_percent = 0;

    double load1 = 0;  // /proc/loadavg: 1, 5 and 15 minutes
    double load5 = 0;
    double load15 = 0;

    uint64_t disk_total_bytes = 0;  // of the file system holding disk_path
    uint64_t disk_free_bytes = 0;
    uint64_t disk_available_bytes = 0;  // to unprivileged users
};

struct CpuTicks;
struct ProcTicks;

class SystemSampler {
public:
    // disk_path: a path on the file system to report (e.g. the data dir).
    explicit SystemSampler(std::string disk_path = "/");

    // Reads /proc and statvfs (no other blocking).  Thread-safe.  An error
    // names the file that could not be read or parsed.
    Result<SystemStats> sample();

private:
    // The CPU percentages since the previous sample; under mutex_.
    void cpu_rates(const CpuTicks& cpu, const ProcTicks& proc, long hz,
                   SystemStats& s);

    std::mutex mutex_;
    std::string disk_path_;
    bool have_prev_ = false;
    uint64_t prev_total_ticks_ = 0;
    uint64_t prev_idle_ticks_ = 0;
    uint64_t prev_proc_ticks_ = 0;
    int64_t prev_mono_ms_ = 0;
};

// Pure parsers, exposed for tests.

struct CpuTicks {
    uint64_t total = 0;
    uint64_t idle = 0;  // idle + iowait
};
// The aggregate "cpu " line of /proc/stat.
std::optional<CpuTicks> parse_proc_stat(std::string_view text);

struct ProcTicks {
    uint64_t cpu_ticks = 0;  // utime + stime
    uint64_t start_ticks = 0;  // starttime, since boot
};
// /proc/self/stat (the command name may hold spaces and parentheses).
std::optional<ProcTicks> parse_self_stat(std::string_view text);

struct MemInfo {
    uint64_t total = 0, free = 0, available = 0, swap_total = 0, swap_free = 0;
};
// /proc/meminfo, values converted from kB to bytes.
std::optional<MemInfo> parse_meminfo(std::string_view text);

// The share of memory in use: (total - available) / total, 0..100; 0
// when total is 0.
double mem_used_percent(const MemInfo& m);

struct LoadAvg {
    double load1 = 0, load5 = 0, load15 = 0;
};
// /proc/loadavg: "0.52 0.58 0.59 1/467 12345".
std::optional<LoadAvg> parse_loadavg(std::string_view text);

struct Statm {
    uint64_t virtual_pages = 0;
    uint64_t resident_pages = 0;
};
std::optional<Statm> parse_statm(std::string_view text);

}  // namespace fanout
