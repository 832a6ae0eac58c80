#pragma once
// Every failure the job can report maps to one exit code; main.cpp is the only place that turns these
// exceptions into a message and a process status.
#include <stdexcept>
#include <string>

namespace oznsync {

enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,
    kExitChangesPending = 2,
    kExitPartial = 3,
    kExitSafety = 4,
    kExitWritesFailed = 5,   // some writes failed: a failure, never a night like any other
    kExitFleetAttention = 6, // a status check found something that needs a person
    kExitUsage = 64,
    kExitBadInput = 65,
    kExitNoInput = 66, // a read-only command found no database: nothing has run yet
    kExitIo = 74,
    kExitUnavailable = 75,
    kExitAuth = 77,
    kExitConfig = 78,
    kExitInterrupted = 130, // Ctrl-C or SIGTERM: stopped after the writes in flight were answered
};

class Error : public std::runtime_error {
public:
    Error(int exit_code, const std::string& what) : std::runtime_error(what), m_exit_code(exit_code) {}
    int exit_code() const { return m_exit_code; }

private:
    int m_exit_code;
};

/// A stop the operator asked for (SIGINT, SIGTERM): the run stops sending and ends as it is.
struct InterruptedError : Error {
    explicit InterruptedError(const std::string& w) : Error(kExitInterrupted, w) {}
};

struct UsageError : Error {
    explicit UsageError(const std::string& w) : Error(kExitUsage, w) {}
};
struct ConfigError : Error {
    explicit ConfigError(const std::string& w) : Error(kExitConfig, w) {}
};
struct InputError : Error {
    explicit InputError(const std::string& w) : Error(kExitBadInput, w) {}
};
struct UnavailableError : Error {
    explicit UnavailableError(const std::string& w) : Error(kExitUnavailable, w) {}
};

/// Another run holds the database's lock (exit 75: try later).
struct LockBusy : UnavailableError {
    using UnavailableError::UnavailableError;
};
struct AuthError : Error {
    explicit AuthError(const std::string& w) : Error(kExitAuth, w) {}
};
/// HTTP 403: the credentials work, but not for this (a project the integration user may not read).
struct Forbidden : AuthError {
    using AuthError::AuthError;
};
/// The report, the journal or the database could not be written (disk full, read-only, permissions).
struct IoError : Error {
    explicit IoError(const std::string& w) : Error(kExitIo, w) {}
};
/// A read-only command's database does not exist (it never creates one).
struct NoInputError : Error {
    explicit NoInputError(const std::string& w) : Error(kExitNoInput, w) {}
};
struct SafetyError : Error {
    explicit SafetyError(const std::string& w) : Error(kExitSafety, w) {}
};

} // namespace oznsync
