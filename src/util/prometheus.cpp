#include "util/prometheus.hpp"

#include "util/strings.hpp"

namespace oznsync {

PrometheusText& PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    m_out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name);
    m_out.append(" ").append(type).append("\n");
    return *this;
}

void PrometheusText::label(const std::string& key, const std::string& value, bool& first) {
    m_out += first ? '{' : ',';
    first = false;
    m_out.append(key).append("=\"");
    for (char c : value) {
        if (c == '\n') {
            m_out += "\\n";
            continue;
        }
        if (c == '\\' || c == '"') m_out += '\\';
        m_out += c;
    }
    m_out += '"';
}

PrometheusText& PrometheusText::sample(std::string_view name, const Labels& labels, double value) {
    m_out.append(name);
    bool first = true;
    for (const auto& [k, v] : m_common)
        label(k, v, first);
    for (const auto& [k, v] : labels)
        label(k, v, first);
    if (!first) m_out += '}';
    m_out.append(" ").append(format_double(value)).append("\n");
    return *this;
}

} // namespace oznsync
