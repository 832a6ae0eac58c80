#include "support/harness.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace harness {

namespace {

std::vector<std::string> merged_env(const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos && kv.rfind("OZNSYNC_", 0) != 0)
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    // OZNSYNC_TEST_ENV: KEY=VALUE words every process of a suite gets (e.g. OZNSYNC_OZMAP_FILTER_IN=body,
    // to run a whole suite with filters in the body); one a test gives itself wins.
    if (const char* suite_env = std::getenv("OZNSYNC_TEST_ENV")) {
        std::istringstream words(suite_env);
        for (std::string w; words >> w;)
            if (auto eq = w.find('='); eq != std::string::npos) env[w.substr(0, eq)] = w.substr(eq + 1);
    }
    for (const auto& [k, v] : extra)
        env[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

int spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, int out_fd,
          int err_fd, const std::string& cwd = "") {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    auto envs = merged_env(env);
    std::vector<char*> envp;
    for (auto& e : envs)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

} // namespace

Result run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
           const std::string& cwd) {
    // Files, not pipes: no deadlock however much the child writes.
    char out_path[] = "/tmp/oznsync-test-out-XXXXXX";
    char err_path[] = "/tmp/oznsync-test-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    int pid = spawn(argv, env, out_fd, err_fd, cwd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    close(out_fd);
    close(err_fd);
    Result r;
    r.exit_code = decode_status(status);
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    unlink(out_path);
    unlink(err_path);
    return r;
}

Result oznsync(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               const std::string& cwd) {
    std::vector<std::string> argv{OZNSYNC_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env, cwd);
}

Child::Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    m_pid = spawn(argv, env, fds[1], -1);
    close(fds[1]);
    m_out = fds[0];
}

Child::~Child() {
    if (!m_done && m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        wait();
    }
    if (m_out >= 0) close(m_out);
}

void Child::kill_now(int sig) {
    if (!m_done) ::kill(m_pid, sig);
}

int Child::wait() {
    if (m_done) return m_status;
    int status = 0;
    while (waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_done = true;
    m_status = decode_status(status);
    return m_status;
}

std::string Child::read_line() {
    std::string line;
    char c;
    while (::read(m_out, &c, 1) == 1) {
        if (c == '\n') return line;
        line += c;
    }
    return line;
}

Sim::Sim(const std::vector<std::string>& args)
    : m_child([&] {
          std::vector<std::string> argv{OZMAP_SIM_BIN, "--listen", "127.0.0.1:0", "--api-key", kApiKey};
          argv.insert(argv.end(), args.begin(), args.end());
          // OZNSYNC_TEST_SIM_ARGS: switches every simulator of a suite gets (e.g. --cursor-only, to run a
          // whole suite against a server that pages only by nextUrl); one a test gives itself is kept once.
          if (const char* extra = std::getenv("OZNSYNC_TEST_SIM_ARGS")) {
              std::istringstream words(extra);
              for (std::string w; words >> w;)
                  if (std::find(argv.begin(), argv.end(), w) == argv.end()) argv.push_back(w);
          }
          return argv;
      }()) {
    std::string line = m_child.read_line();
    auto colon = line.rfind(':');
    if (line.rfind("listening ", 0) != 0 || colon == std::string::npos)
        throw std::runtime_error("ozmap-sim did not start: '" + line + "'");
    m_port = std::stoi(line.substr(colon + 1));
}

std::string Sim::request(const std::string& method, const std::string& path, const std::string& body,
                         int* status) const {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(m_port));
    s.setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", kApiKey);
    if (!body.empty() || method == "POST") {
        req.setContentType("application/json");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& is = s.receiveResponse(resp);
    std::string out;
    Poco::StreamCopier::copyToString(is, out);
    if (status) *status = resp.getStatus();
    return out;
}

std::string Sim::get(const std::string& path, int* status) const {
    return request("GET", path, "", status);
}
std::string Sim::post(const std::string& path, const std::string& body, int* status) const {
    return request("POST", path, body, status);
}
long long Sim::stat(const std::string& name) const {
    auto stats = Poco::JSON::Parser().parse(get("/__sim/stats")).extract<Poco::JSON::Object::Ptr>();
    if (!stats->has(name)) throw std::runtime_error("the simulator keeps no statistic " + name);
    return stats->getValue<long long>(name);
}

bool Sim::wait_for_writes(long long n) const {
    for (int i = 0; i < 1200; ++i) {
        if (stat("writes") == n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

TempDir::TempDir() {
    std::string base = std::filesystem::temp_directory_path() / "oznsync-tests-XXXXXX";
    std::vector<char> buf(base.begin(), base.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    m_path = buf.data();
}

TempDir::~TempDir() {
    if (!std::getenv("KEEP_TEST_DIRS")) {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
}

std::string write_config(const TempDir& dir, const Sim& sim, const std::string& extra) {
    std::string path = dir.file("oznsync.ini");
    write_file(path,
               "[ozmap]\nurl = " + sim.url() + "\napi_key = " + Sim::kApiKey +
                   "\npage_size = 100\nconcurrency = 4\nretries = 6\nretry_base_ms = 5\nretry_max_ms = 50\n"
                   "timeout_s = 10\n[snapshot]\npath = " +
                   dir.file("oznsync.db") + "\n[reports]\ndir = " + dir.file("reports") + "\n" + extra);
    ::chmod(path.c_str(), 0600);
    return path;
}

std::filesystem::path newest_run_folder(const TempDir& dir) {
    std::filesystem::path newest;
    std::filesystem::file_time_type t{};
    for (const auto& e : std::filesystem::directory_iterator(dir.file("reports"))) {
        if (!std::filesystem::exists(e.path() / "summary.json")) continue;
        auto mt = std::filesystem::last_write_time(e.path() / "summary.json");
        if (newest.empty() || mt > t) {
            newest = e.path();
            t = mt;
        }
    }
    if (newest.empty()) throw std::runtime_error("no run folder under " + dir.file("reports"));
    return newest;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary);
    out << content;
}

std::string fixture(const std::string& name) {
    return std::string(FIXTURES_DIR) + "/" + name;
}

} // namespace harness
