#include "cluster/hook_settings.h"

#include "core/config.h"
#include "transcode/app_settings.h"

namespace fanout::cluster {

namespace {

using nlohmann::json;

Error hook_error(std::string_view what)
{
    return Error(std::string(kListenerHookUrl) + ": " + std::string(what));
}

}  // namespace

Result<std::string> effective_hook_url(const std::string& default_url,
                                       std::string_view stored_json)
{
    auto v = transcode::stored_setting(stored_json, kListenerHookUrl);
    if (!v) {
        return v.error();
    }
    if (v.value().is_null()) {
        return default_url;
    }
    if (!v.value().is_string()) {
        return hook_error("stored value must be a string");
    }
    std::string url = v.value().get<std::string>();
    if (Status st = check_hook_url(url); !st) {
        return hook_error(st.error().message());
    }
    return url;
}

Status apply_hook_put(json& stored, const json& body)
{
    if (!body.is_object()) {
        return {};
    }
    auto it = body.find(std::string(kListenerHookUrl));
    if (it == body.end()) {
        return {};
    }
    if (it->is_null()) {
        stored.erase(std::string(kListenerHookUrl));
        return {};
    }
    if (!it->is_string()) {
        return hook_error("must be a string");
    }
    const std::string& url = it->get_ref<const std::string&>();
    if (Status st = check_hook_url(url); !st) {
        return hook_error(st.error().message());
    }
    stored[std::string(kListenerHookUrl)] = url;
    return {};
}

}  // namespace fanout::cluster
