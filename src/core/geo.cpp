#include "core/geo.hpp"

#include <algorithm>
#include <cmath>

namespace oznsync {

namespace {
constexpr double kDeg = M_PI / 180.0;
}

double distance_m(double lat1, double lng1, double lat2, double lng2) {
    double dlat = (lat2 - lat1) * kDeg, dlng = (lng2 - lng1) * kDeg;
    double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
               std::cos(lat1 * kDeg) * std::cos(lat2 * kDeg) * std::sin(dlng / 2) * std::sin(dlng / 2);
    return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(a)));
}

std::vector<LatLngRect> covering_rects(double lat, double lng, double radius_m) {
    // Angular radius, padded a little so float rounding never drops a point exactly on the circle.
    double ang = radius_m / kEarthRadiusM / kDeg * 1.000001 + 1e-9;
    double min_lat = lat - ang, max_lat = lat + ang;
    if (max_lat >= 90 || min_lat <= -90)
        return {{std::max(-90.0, min_lat), std::min(90.0, max_lat), -180, 180}};
    // Widest longitude span of the circle (at its tangent latitude).
    double s = std::sin(ang * kDeg) / std::cos(lat * kDeg);
    if (s >= 1) return {{min_lat, max_lat, -180, 180}};
    double dlng = std::asin(s) / kDeg;
    double lo = lng - dlng, hi = lng + dlng;
    if (lo < -180) return {{min_lat, max_lat, lo + 360, 180}, {min_lat, max_lat, -180, hi}};
    if (hi > 180) return {{min_lat, max_lat, lo, 180}, {min_lat, max_lat, -180, hi - 360}};
    return {{min_lat, max_lat, lo, hi}};
}

} // namespace oznsync
