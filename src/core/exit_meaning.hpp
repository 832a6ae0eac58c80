#pragma once
// What each exit code means for this job, in the words --help, the reports and `fleet status` use.
namespace oznsync {

const char* exit_code_meaning(int code);

} // namespace oznsync
