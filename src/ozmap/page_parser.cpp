#include "ozmap/page_parser.hpp"

#include <limits>

#include "http/http_client.hpp"

#include <simdjson.h>

namespace oznsync {

namespace od = simdjson::ondemand;

namespace {

od::parser& thread_parser() {
    thread_local od::parser parser;
    return parser;
}

simdjson::padded_string_view padded(std::string& body) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
    return simdjson::padded_string_view(body.data(), body.size(), body.capacity());
}

od::json_type kind(od::value& v) {
    return v.type().value();
}

bool is_null(od::value v) {
    return kind(v) == od::json_type::null;
}

std::string str(od::value v) {
    if (kind(v) != od::json_type::string) return "";
    return std::string(std::string_view(v.get_string()));
}

/// An id given as a string, or as a populated object carrying id / _id.
std::string id_of(od::value v) {
    auto t = kind(v);
    if (t == od::json_type::string) return std::string(std::string_view(v.get_string()));
    if (t == od::json_type::object) {
        std::string id;
        for (auto field : v.get_object()) {
            std::string_view k = field.unescaped_key();
            if (k == "id" || (k == "_id" && id.empty())) id = str(field.value());
        }
        return id;
    }
    return "";
}

bool boolean(od::value v) {
    return kind(v) == od::json_type::boolean && bool(v.get_bool());
}

double number(od::value v) {
    return kind(v) == od::json_type::number ? double(v.get_double()) : 0.0;
}

void coords(od::value v, double& lat, double& lng) {
    if (kind(v) != od::json_type::array) return;
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    double x[2] = {nan, nan};
    int i = 0;
    for (auto el : v.get_array()) {
        od::value e = el.value();
        if (i < 2) x[i] = kind(e) == od::json_type::number ? double(e.get_double()) : nan;
        ++i;
    }
    if (i < 2) return; // not a position: the row keeps what it had (a box: no coords)
    lng = x[0];
    lat = x[1];
}

Project to_project(od::object o) {
    Project p;
    for (auto field : o) {
        std::string_view k = field.unescaped_key();
        od::value v = field.value();
        if (k == "id" || (k == "_id" && p.id.empty()))
            p.id = str(v);
        else if (k == "name")
            p.name = str(v);
        else if (k == "identifier")
            p.identifier = str(v);
    }
    return p;
}

Box to_box(od::object o) {
    Box b;
    // No coordinates must stay visible as such (row_checks skips the box), never become 0,0.
    b.lat = b.lng = std::numeric_limits<double>::quiet_NaN();
    for (auto field : o) {
        std::string_view k = field.unescaped_key();
        od::value v = field.value();
        if (k == "id" || (k == "_id" && b.id.empty()))
            b.id = str(v);
        else if (k == "project")
            b.project = id_of(v);
        else if (k == "name")
            b.name = str(v);
        else if (k == "coords")
            coords(v, b.lat, b.lng);
        else if (k == "draft")
            b.draft = boolean(v);
        else if (k == "implanted")
            b.implanted = boolean(v);
    }
    return b;
}

Splitter to_splitter(od::object o, bool& is_drop) {
    Splitter s;
    std::vector<std::optional<std::string>> outputs;
    std::vector<bool> blocked;
    long long ratio_out = 0;
    for (auto field : o) {
        std::string_view k = field.unescaped_key();
        od::value v = field.value();
        if (k == "id" || (k == "_id" && s.id.empty()))
            s.id = str(v);
        else if (k == "parent")
            s.box = id_of(v);
        else if (k == "project")
            s.project = id_of(v);
        else if (k == "name")
            s.name = str(v);
        else if (k == "isDrop")
            is_drop = boolean(v);
        else if (k == "implanted")
            s.implanted = boolean(v);
        else if (k == "ratio" && kind(v) == od::json_type::object) {
            for (auto rf : v.get_object())
                if (std::string_view(rf.unescaped_key()) == "output")
                    ratio_out = static_cast<long long>(number(rf.value()));
        } else if (k == "connectables" && kind(v) == od::json_type::object) {
            for (auto cf : v.get_object()) {
                if (std::string_view(cf.unescaped_key()) != "output") continue;
                od::value arr = cf.value();
                if (kind(arr) != od::json_type::array) continue;
                for (auto el : arr.get_array()) {
                    od::value x = el.value();
                    if (is_null(x))
                        outputs.emplace_back(std::nullopt);
                    else {
                        std::string f = id_of(x);
                        outputs.emplace_back(f.empty() ? std::nullopt : std::optional<std::string>(f));
                    }
                }
            }
        } else if (k == "ports" && kind(v) == od::json_type::array) {
            for (auto el : v.get_array()) {
                od::value pv = el.value();
                bool b = false;
                if (kind(pv) == od::json_type::object)
                    for (auto pf : pv.get_object())
                        if (std::string_view(pf.unescaped_key()) == "blocked") b = boolean(pf.value());
                blocked.push_back(b);
            }
        }
    }
    // Port N is output[N-1] and ports[N-1]; the splitter has as many ports as the longest of these says.
    size_t n = std::max({outputs.size(), blocked.size(), static_cast<size_t>(std::max(0LL, ratio_out))});
    s.ports.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        Port p;
        p.splitter = s.id;
        p.number = static_cast<int>(i + 1);
        p.blocked = i < blocked.size() && blocked[i];
        if (i < outputs.size()) p.fiber = outputs[i];
        s.ports.push_back(std::move(p));
    }
    return s;
}

void to_client(od::value v, Property& p) {
    if (kind(v) == od::json_type::string) {
        p.client_id = str(v);
        return;
    }
    if (kind(v) != od::json_type::object) return;
    for (auto field : v.get_object()) {
        std::string_view k = field.unescaped_key();
        od::value cv = field.value();
        if (k == "id" || (k == "_id" && p.client_id.empty()))
            p.client_id = str(cv);
        else if (k == "code")
            p.client_code = str(cv);
        else if (k == "name")
            p.client_name = str(cv);
        else if (k == "implanted")
            p.client_implanted = boolean(cv);
        else if (k == "external_id")
            p.client_external_id = str(cv);
    }
}

Property to_property(od::object o) {
    Property p;
    for (auto field : o) {
        std::string_view k = field.unescaped_key();
        od::value v = field.value();
        if (k == "id" || (k == "_id" && p.id.empty()))
            p.id = str(v);
        else if (k == "project")
            p.project = id_of(v);
        else if (k == "box")
            p.box = id_of(v);
        else if (k == "coords")
            coords(v, p.lat, p.lng);
        else if (k == "address")
            p.address = str(v);
        else if (k == "external_id")
            p.external_id = str(v);
        else if (k == "updatedAt")
            p.updated_at = str(v);
        else if (k == "drop")
            p.drop = id_of(v);
        else if (k == "client")
            to_client(v, p);
        else if (k == "connections" && kind(v) == od::json_type::array) {
            for (auto el : v.get_array()) {
                od::value cv = el.value();
                if (kind(cv) != od::json_type::object) continue;
                std::string id, kind;
                int port = 0;
                for (auto cf : cv.get_object()) {
                    std::string_view ck = cf.unescaped_key();
                    od::value x = cf.value();
                    if (ck == "id")
                        id = id_of(x);
                    else if (ck == "kind")
                        kind = str(x);
                    else if (ck == "port")
                        port = static_cast<int>(number(x));
                }
                if (kind == "Splitter" && p.splitter.empty()) {
                    p.splitter = id;
                    p.port = port;
                }
            }
        }
    }
    return p;
}

Client to_ftth_client(od::object o) {
    Client c;
    for (auto field : o) {
        std::string_view k = field.unescaped_key();
        od::value v = field.value();
        if (k == "id" || (k == "_id" && c.id.empty()))
            c.id = str(v);
        else if (k == "code")
            c.code = str(v);
        else if (k == "implanted")
            c.implanted = boolean(v);
        else if (k == "external_id")
            c.external_id = str(v);
        else if (k == "updatedAt")
            c.updated_at = str(v);
    }
    return c;
}

template <typename Row, typename Map> Page<Row> parse_page(std::string& body, Map map) {
    Page<Row> page;
    bool saw_rows = false;
    try {
        od::document doc = thread_parser().iterate(padded(body));
        od::object env = doc.get_object();
        for (auto field : env) {
            std::string_view k = field.unescaped_key();
            od::value v = field.value();
            if (k == "total")
                page.total = static_cast<long long>(number(v));
            else if (k == "hasNextPage")
                page.has_next = boolean(v);
            else if (k == "nextUrl")
                page.next_url = str(v);
            else if (k == "rows") {
                saw_rows = true;
                for (auto el : v.get_array()) {
                    ++page.rows_seen;
                    od::value row = el.value();
                    if (kind(row) != od::json_type::object) {
                        page.problems.push_back("row " + std::to_string(page.rows_seen) +
                                                " is not an object");
                        continue;
                    }
                    map(row.get_object(), page);
                }
            }
        }
    } catch (const simdjson::simdjson_error& e) {
        throw TransportError(std::string("malformed page JSON: ") + e.what());
    }
    if (!saw_rows) throw TransportError("page has no rows array");
    return page;
}

template <typename Row> void keep_if_id(Row&& row, Page<std::decay_t<Row>>& page) {
    if (row.id.empty()) {
        page.problems.push_back("row " + std::to_string(page.rows_seen) + " has no id");
        return;
    }
    page.rows.push_back(std::forward<Row>(row));
}

} // namespace

Page<Project> parse_projects_page(std::string& body) {
    return parse_page<Project>(body, [](od::object o, Page<Project>& pg) { keep_if_id(to_project(o), pg); });
}

Page<Box> parse_boxes_page(std::string& body) {
    return parse_page<Box>(body, [](od::object o, Page<Box>& pg) { keep_if_id(to_box(o), pg); });
}

Page<Splitter> parse_splitters_page(std::string& body) {
    return parse_page<Splitter>(body, [](od::object o, Page<Splitter>& pg) {
        bool is_drop = false;
        Splitter s = to_splitter(o, is_drop);
        if (!is_drop) {
            pg.problems.push_back("splitter " + s.id + " is not a drop splitter");
            return;
        }
        keep_if_id(std::move(s), pg);
    });
}

Page<Property> parse_properties_page(std::string& body) {
    return parse_page<Property>(body,
                                [](od::object o, Page<Property>& pg) { keep_if_id(to_property(o), pg); });
}

Page<Client> parse_clients_page(std::string& body) {
    return parse_page<Client>(body,
                              [](od::object o, Page<Client>& pg) { keep_if_id(to_ftth_client(o), pg); });
}

std::vector<Property> parse_property_array(std::string& body) {
    std::vector<Property> out;
    try {
        od::document doc = thread_parser().iterate(padded(body));
        for (auto el : doc.get_array()) {
            od::value row = el.value();
            if (kind(row) != od::json_type::object) continue;
            Property p = to_property(row.get_object());
            if (!p.id.empty()) out.push_back(std::move(p));
        }
    } catch (const simdjson::simdjson_error& e) {
        throw TransportError(std::string("malformed JSON: ") + e.what());
    }
    return out;
}

} // namespace oznsync
