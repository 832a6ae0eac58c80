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
    /// `common` labels go first on every sample (e.g. operator="acme": two operators' series never
    /// collide where node_exporter or Prometheus puts them together).
    explicit PrometheusText(Labels common = {}) : m_common(std::move(common)) {}
    /// # HELP and # TYPE lines: before a family's samples.
    PrometheusText& family(std::string_view name, std::string_view type, std::string_view help);
    /// `name{label="value",...} value`; label values escaped (\\, \", \n).
    PrometheusText& sample(std::string_view name, const Labels& labels, double value);
    const std::string& text() const { return m_out; }
    std::string& out() { return m_out; }

private:
    void label(const std::string& key, const std::string& value, bool& first);
    Labels m_common;
    std::string m_out;
};

} // namespace oznsync
