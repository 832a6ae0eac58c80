#pragma once
// Great-circle geometry for feasibility. Pure.
#include <vector>

namespace oznsync {

constexpr double kEarthRadiusM = 6371008.8; // mean radius (IUGG)

/// Haversine distance in metres between two [lat, lng] points in degrees.
double distance_m(double lat1, double lng1, double lat2, double lng2);

struct LatLngRect {
    double min_lat, max_lat, min_lng, max_lng;
};

/// Rectangles that together cover every point within `radius_m` of (lat, lng): one normally, two when
/// the circle crosses the antimeridian, a full band of longitudes when it reaches a pole.
std::vector<LatLngRect> covering_rects(double lat, double lng, double radius_m);

} // namespace oznsync
