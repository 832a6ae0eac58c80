#include "neutral/partnerships.hpp"

#include "neutral/sale_source.hpp"
#include "util/error.hpp"
#include "util/ids.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

namespace oznsync {

using Poco::JSON::Array;
using Poco::JSON::Object;

PartnershipFeed parse_partnerships(const std::string& text, const std::string& source) {
    Array::Ptr arr;
    try {
        auto root = Poco::JSON::Parser().parse(text);
        if (root.type() == typeid(Array::Ptr))
            arr = root.extract<Array::Ptr>();
        else if (root.type() == typeid(Object::Ptr))
            arr = root.extract<Object::Ptr>()->getArray("items");
    } catch (const Poco::Exception& e) {
        throw InputError(source + ": not valid JSON (" + e.displayText() + ")");
    }
    if (!arr) throw InputError(source + ": partnerships must be a JSON array");
    PartnershipFeed feed;
    for (size_t i = 0; i < arr->size(); ++i) {
        auto o = arr->getObject(static_cast<unsigned>(i));
        std::string where = "partnership " + std::to_string(i + 1) + ": ";
        if (!o) {
            feed.invalid.push_back({"", "", where + "not a JSON object"});
            continue;
        }
        try {
            Partnership p;
            // The flat shape of ozneutral-feed.md, or the ozn-sdk's ({_id, idPartner, status: "active"}).
            p.id = o->optValue<std::string>("id", o->optValue<std::string>("_id", ""));
            const std::string status = o->optValue<std::string>("status", "");
            const std::optional<PartnershipStatus> known = partnership_status_of(status);
            if (known) p.status = *known;
            p.approved_at = o->optValue<std::string>("approvedAt", o->optValue<std::string>("createdAt", ""));
            auto partner = o->getObject("partner");
            if (!partner) partner = o->getObject("idPartner"); // populated
            if (partner) {
                p.partner_id =
                    partner->optValue<std::string>("id", partner->optValue<std::string>("_id", ""));
                p.partner_name = partner->optValue<std::string>("name", "");
                // The ozn-sdk's populated partner names its company: {idCompany: {name}}.
                if (auto company = partner->getObject("idCompany"); company && p.partner_name.empty())
                    p.partner_name = company->optValue<std::string>("name", "");
                p.partner_email = partner->optValue<std::string>("email", "");
            } else if (o->has("idPartner") && o->get("idPartner").isString()) {
                p.partner_id = o->getValue<std::string>("idPartner");
            }
            std::string problem;
            if (!is_object_id(p.id))
                problem = "id '" + p.id + "' is not a 24-hex id";
            else if (!known)
                problem = "status '" + status + "' is not requested|accepted|rejected|ended";
            else if (!is_object_id(p.partner_id))
                problem = "partner.id is missing or not a 24-hex id";
            if (auto projects = o->getArray("projects"))
                for (size_t j = 0; j < projects->size(); ++j) {
                    std::string id = projects->getElement<std::string>(static_cast<unsigned>(j));
                    if (!is_object_id(id) && problem.empty())
                        problem = "project '" + id + "' is not a 24-hex id";
                    p.projects.push_back(id);
                }
            else if (o->has("idPartner"))
                p.projects_given = false; // the ozn-sdk's shape: the run fixes them at first sight
            else if (problem.empty() && p.status == PartnershipStatus::Accepted)
                problem = "an accepted partnership needs its projects";
            if (!problem.empty())
                feed.invalid.push_back({p.id, p.partner_name, where + problem});
            else
                feed.partnerships.push_back(std::move(p));
        } catch (const Poco::Exception& e) {
            feed.invalid.push_back({"", "", where + e.displayText()});
        }
    }
    return feed;
}

PartnershipFeed fetch_partnerships(const Config& config) {
    std::string text =
        fetch_feed_text(config, config.ozneutral.partnerships, "/partnerships", "ozneutral.partnerships");
    return parse_partnerships(text, config.ozneutral.partnerships);
}

} // namespace oznsync
