#include "neutral/sale_source.hpp"

#include "util/ids.hpp"

#include "http/http_client.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>
#include <simdjson.h>

#include <algorithm>

#include <sys/stat.h>

namespace oznsync {

namespace {

struct HttpSource {
    std::string origin, prefix; // https://host:port and an optional path prefix
};

HttpSource split_url(const std::string& url) {
    Poco::URI uri(url);
    HttpSource s;
    s.origin = uri.getScheme() + "://" + uri.getAuthority();
    s.prefix = uri.getPath();
    while (!s.prefix.empty() && s.prefix.back() == '/')
        s.prefix.pop_back();
    return s;
}

class NeutralClient {
public:
    NeutralClient(const Config& cfg, const std::string& url)
        : m_cfg(cfg), m_src(split_url(url)),
          m_api("OZneutral", m_src.origin, http_options(cfg.ozneutral), retry_policy(cfg.ozneutral), 0) {
        m_api.set_authorization([this] { return m_token.empty() ? std::string() : "Bearer " + m_token; });
        if (cfg.ozneutral.token.empty()) m_api.set_reauthenticate([this] { return fetch_token(); });
    }

    void authenticate() {
        if (!m_cfg.ozneutral.token.empty()) {
            m_token = m_cfg.ozneutral.token;
            return;
        }
        if (m_cfg.ozneutral.client_id.empty() || m_cfg.ozneutral.client_secret.empty())
            throw ConfigError(
                "ozneutral.token: missing (or give ozneutral.client_id and ozneutral.client_secret)");
        if (!fetch_token())
            throw AuthError("OZneutral refused ozneutral.client_id '" + m_cfg.ozneutral.client_id + "'");
    }

    /// Every record under `path` (`query`: more parameters, `&name=value...`), as one JSON array text.
    std::string fetch_all(const std::string& path, const std::string& query) {
        const int limit = m_cfg.ozneutral.page_size;
        std::string joined; // the one string returned (no copy, no move)
        for (int attempt = 1;; ++attempt) {
            joined.assign("[");
            long long offset = 0, total = -1, seen = 0;
            bool moved = false;
            for (;;) {
                HttpResponse r = m_api.call({"GET",
                                             m_src.prefix + path + "?offset=" + std::to_string(offset) +
                                                 "&limit=" + std::to_string(limit) + query,
                                             "", ""});
                if (r.status != 200)
                    throw UnavailableError("OZneutral GET " + path + " answered HTTP " +
                                           std::to_string(r.status));
                long long page_total;
                if (!parse_int(r.header("x-total-count"), page_total))
                    throw UnavailableError("OZneutral GET " + path + " gave no X-Total-Count");
                if (total >= 0 && page_total != total) {
                    moved = true;
                    break;
                }
                total = page_total;
                const std::string_view body = trim_view(r.body);
                if (body.size() < 2 || body.front() != '[' || body.back() != ']')
                    throw InputError("OZneutral GET " + path + " did not answer a JSON array");
                const std::string_view inner = trim_view(body.substr(1, body.size() - 2));
                const long long count = count_records(body);
                if (!inner.empty()) {
                    if (seen > 0) joined += ',';
                    joined += inner;
                }
                seen += count;
                offset += count;
                if (count == 0 || offset >= total) break;
            }
            if (!moved && seen == total) {
                // Closed in place, with room for simdjson's padding: the feed is parsed where it stands,
                // not copied once here and once more by the parser.
                joined += ']';
                joined.reserve(joined.size() + simdjson::SIMDJSON_PADDING);
                return joined;
            }
            if (attempt >= 3)
                throw UnavailableError("OZneutral " + path +
                                       " kept changing while it was read; try again later");
        }
    }

private:
    /// The records of a page (a JSON array), counted by simdjson (one parser for every page): the page is
    /// checked whole before it joins the feed, without building a document of it (Poco's parser, used
    /// here before, took ~2 s of CPU for a 500k-record feed).
    long long count_records(std::string_view array_text) {
        simdjson::dom::array records;
        if (auto error = m_page_parser.parse(array_text.data(), array_text.size()).get_array().get(records))
            throw InputError(std::string("OZneutral page is not a JSON array: ") +
                             simdjson::error_message(error));
        return static_cast<long long>(records.size());
    }

    bool fetch_token() {
        std::string body =
            "grant_type=client_credentials&client_id=" + url_encode(m_cfg.ozneutral.client_id) +
            "&client_secret=" + url_encode(m_cfg.ozneutral.client_secret);
        ApiClient plain("OZneutral", m_src.origin, http_options(m_cfg.ozneutral),
                        retry_policy(m_cfg.ozneutral), 0);
        HttpResponse r =
            plain.call({"POST", m_src.prefix + "/oauth/token", body, "application/x-www-form-urlencoded"});
        if (r.status == 400 || r.status == 401 || r.status == 403) return false;
        if (r.status != 200)
            throw UnavailableError("OZneutral token endpoint answered HTTP " + std::to_string(r.status));
        try {
            auto o = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
            m_token = o->optValue<std::string>("access_token", "");
        } catch (const Poco::Exception&) {
            throw UnavailableError("OZneutral token endpoint answered something that is not JSON");
        }
        register_secret(m_token);
        return !m_token.empty();
    }

    const Config& m_cfg;
    HttpSource m_src;
    ApiClient m_api;
    std::string m_token;
    simdjson::dom::parser m_page_parser;
};

} // namespace

std::string fetch_feed_text(const Config& config, const std::string& source, const std::string& path,
                            const std::string& key, const std::string& query) {
    if (source.empty()) throw ConfigError(key + ": missing (file:PATH or https://...)");
    if (source.rfind("file:", 0) == 0) {
        // A FIFO or a device would be waited on (or read for ever): only a regular file is a feed.
        const std::string file = source.substr(5);
        struct stat st {};
        if (::stat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
            throw InputError(key + ": " + file + " is not a regular file");
        try {
            return read_file(file, simdjson::SIMDJSON_PADDING); // parsed in place (neutral/sale_parser)
        } catch (const std::exception& e) {
            throw InputError(key + ": " + e.what());
        }
    }
    NeutralClient client(config, source);
    client.authenticate();
    return client.fetch_all(path, query);
}

bool sales_from_file(const Config& config) {
    return config.ozneutral.sales.rfind("file:", 0) == 0;
}

SaleFeed fetch_sales(const Config& config, const std::string& updated_since) {
    std::string text =
        fetch_feed_text(config, config.ozneutral.sales, "/serviceInventory/service", "ozneutral.sales",
                        updated_since.empty() ? "" : "&updatedSince=" + url_encode(updated_since));
    std::string name =
        config.ozneutral.sales.rfind("file:", 0) == 0 ? config.ozneutral.sales.substr(5) : "OZneutral sales";
    return parse_sale_feed(text, name);
}

std::vector<std::string> fetch_project_ids(const Config& config) {
    std::string text = fetch_feed_text(config, config.ozneutral.projects, "/projects", "ozneutral.projects");
    std::vector<std::string> ids;
    try {
        auto arr = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Array::Ptr>();
        for (size_t i = 0; i < arr->size(); ++i) {
            Poco::Dynamic::Var v = arr->get(static_cast<unsigned>(i));
            std::string id;
            if (v.isString()) {
                id = v.convert<std::string>();
            } else if (auto o = arr->getObject(static_cast<unsigned>(i))) {
                id = o->optValue<std::string>("id", o->optValue<std::string>("_id", ""));
            }
            if (!is_object_id(id))
                throw InputError("ozneutral.projects: entry " + std::to_string(i + 1) + " ('" +
                                 clean_message(id, 40) + "') is not a 24-hex OZmap project id");
            if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
        }
    } catch (const Poco::Exception& e) {
        throw InputError("ozneutral.projects: not a JSON array of project ids (" +
                         clean_message(e.displayText(), 120) + ")");
    }
    return ids;
}

} // namespace oznsync
