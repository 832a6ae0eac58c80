#pragma once
// The Prometheus text exposition format (version 0.0.4): what `oznsync serve`'s /metrics and the
// after-run textfile (node_exporter's textfile collector) are written in.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oznsync {

class PrometheusText {
public:
    using Labels = std::vector<std::pair<std::string, std::string>>;
    /// # HELP and # TYPE lines: before a family's samples.
    PrometheusText& family(std::string_view name, std::string_view type, std::string_view help);
    /// `name{label="value",...} value`; label values escaped (\\, \", \n).
    PrometheusText& sample(std::string_view name, const Labels& labels, double value);
    const std::string& text() const { return m_out; }
    std::string& out() { return m_out; }

private:
    std::string m_out;
};

} // namespace oznsync
