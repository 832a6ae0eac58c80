#include "util/prometheus.hpp"

#include "util/strings.hpp"

namespace oznsync {

PrometheusText& PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
    m_out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name);
    m_out.append(" ").append(type).append("\n");
    return *this;
}

PrometheusText& PrometheusText::sample(std::string_view name, const Labels& labels, double value) {
    m_out.append(name);
    if (!labels.empty()) {
        m_out += '{';
        bool first = true;
        for (const auto& [k, v] : labels) {
            if (!first) m_out += ',';
            first = false;
            m_out.append(k).append("=\"");
            for (char c : v) {
                if (c == '\n') {
                    m_out += "\\n";
                    continue;
                }
                if (c == '\\' || c == '"') m_out += '\\';
                m_out += c;
            }
            m_out += '"';
        }
        m_out += '}';
    }
    m_out.append(" ").append(format_double(value)).append("\n");
    return *this;
}

} // namespace oznsync
