#include "support/snapshot_view.hpp"

#include "store/sqlite.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace harness {

namespace {
std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9f", v);
    return buf;
}
std::string b(bool v) {
    return v ? "1" : "0";
}
} // namespace

std::vector<std::string> snapshot_lines(const std::string& db_path) {
    oznsync::sql::Database db(db_path);
    auto cur = db.prepare("SELECT value FROM state WHERE key = 'current_snapshot'");
    if (!cur.step()) return {};
    const std::string snap = cur.text(0);
    std::vector<std::string> out;
    auto q = [&](const std::string& sql, int cols, const std::string& tag) {
        auto st = db.prepare(sql);
        st.bind(1, snap);
        while (st.step()) {
            std::string line = tag;
            for (int i = 0; i < cols; ++i)
                line += "|" + (st.is_null(i) ? std::string("null") : st.text(i));
            out.push_back(line);
        }
    };
    q("SELECT id, name, identifier FROM projects WHERE snapshot_id = ?", 3, "project");
    {
        auto st = db.prepare(
            "SELECT id, project, name, lat, lng, draft, implanted FROM boxes WHERE snapshot_id = ?");
        st.bind(1, snap);
        while (st.step())
            out.push_back("box|" + st.text(0) + "|" + st.text(1) + "|" + st.text(2) + "|" + num(st.real(3)) +
                          "|" + num(st.real(4)) + "|" + st.text(5) + "|" + st.text(6));
    }
    q("SELECT id, box, project, name, implanted, port_count FROM splitters WHERE snapshot_id = ?", 6,
      "splitter");
    q("SELECT splitter, number, blocked, fiber FROM ports WHERE snapshot_id = ?", 4, "port");
    q("SELECT id, project, box, splitter, port, address, external_id, client_id, client_code, client_name, "
      "client_implanted, client_external_id FROM properties WHERE snapshot_id = ?",
      12, "property");
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sim_state_lines(const std::string& state_json) {
    using Poco::JSON::Array;
    using Poco::JSON::Object;
    auto root = Poco::JSON::Parser().parse(state_json).extract<Object::Ptr>();
    std::vector<std::string> out;
    auto s = [](const Object::Ptr& o, const std::string& k) {
        return (!o->has(k) || o->isNull(k)) ? std::string("null") : o->getValue<std::string>(k);
    };
    auto projects = root->getArray("projects");
    for (size_t i = 0; i < projects->size(); ++i) {
        auto o = projects->getObject(static_cast<unsigned>(i));
        out.push_back("project|" + s(o, "id") + "|" + s(o, "name") + "|" + s(o, "identifier"));
    }
    auto boxes = root->getArray("boxes");
    for (size_t i = 0; i < boxes->size(); ++i) {
        auto o = boxes->getObject(static_cast<unsigned>(i));
        auto c = o->getArray("coords");
        out.push_back("box|" + s(o, "id") + "|" + s(o, "project") + "|" + s(o, "name") + "|" +
                      num(c->getElement<double>(1)) + "|" + num(c->getElement<double>(0)) + "|" +
                      b(o->getValue<bool>("draft")) + "|" + b(o->getValue<bool>("implanted")));
    }
    auto splitters = root->getArray("splitters");
    for (size_t i = 0; i < splitters->size(); ++i) {
        auto o = splitters->getObject(static_cast<unsigned>(i));
        if (!o->getValue<bool>("isDrop")) continue;
        auto output = o->getObject("connectables")->getArray("output");
        auto ports = o->getArray("ports");
        out.push_back("splitter|" + s(o, "id") + "|" + s(o, "parent") + "|" + s(o, "project") + "|" +
                      s(o, "name") + "|" + b(o->getValue<bool>("implanted")) + "|" +
                      std::to_string(output->size()));
        for (size_t p = 0; p < output->size(); ++p) {
            bool blocked = ports->getObject(static_cast<unsigned>(p))->getValue<bool>("blocked");
            std::string fiber = output->isNull(static_cast<unsigned>(p))
                                    ? "null"
                                    : output->getElement<std::string>(static_cast<unsigned>(p));
            out.push_back("port|" + s(o, "id") + "|" + std::to_string(p + 1) + "|" + b(blocked) + "|" +
                          fiber);
        }
    }
    std::map<std::string, Object::Ptr> clients;
    auto cs = root->getArray("ftth-clients");
    for (size_t i = 0; i < cs->size(); ++i) {
        auto o = cs->getObject(static_cast<unsigned>(i));
        clients[s(o, "id")] = o;
    }
    auto props = root->getArray("properties");
    for (size_t i = 0; i < props->size(); ++i) {
        auto o = props->getObject(static_cast<unsigned>(i));
        std::string splitter = "null", port = "null";
        auto conns = o->getArray("connections");
        if (conns && conns->size() > 0) {
            auto c = conns->getObject(0);
            splitter = s(c, "id");
            port = s(c, "port");
        }
        std::string client = "null|null|null|null|null";
        auto it = clients.find(s(o, "client"));
        if (it != clients.end()) {
            auto c = it->second;
            client = s(c, "id") + "|" + s(c, "code") + "|" + s(c, "name") + "|" +
                     b(c->getValue<bool>("implanted")) + "|" + s(c, "external_id");
        }
        out.push_back("property|" + s(o, "id") + "|" + s(o, "project") + "|" + s(o, "box") + "|" + splitter +
                      "|" + port + "|" + s(o, "address") + "|" + s(o, "external_id") + "|" + client);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    size_t n = std::min(a.size(), b.size());
    for (size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) return "line " + std::to_string(i) + ":\n  " + a[i] + "\n  " + b[i];
    if (a.size() != b.size())
        return "sizes differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
               "; next: " + (a.size() > n ? a[n] : b[n]);
    return "";
}

} // namespace harness
