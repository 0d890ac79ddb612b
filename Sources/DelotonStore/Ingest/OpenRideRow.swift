import DelotonCore
import Foundation

/// An open ride read back from its row: the saved state, with the histograms its totals left to
/// their own columns (`RideTotals.CodingKeys`).
enum OpenRideRow {
    static let columns = "state, hr_histogram, power_histogram"

    static func decode(state: String, heartRateBins: String, powerBins: String, with decoder: JSONDecoder) throws -> OpenRide {
        var ride = try decoder.decode(OpenRide.self, from: Data(state.utf8))
        ride.totals.heartRateBins = RideHistogram(width: RideHistogram.heartRateWidth, text: Substring(heartRateBins))
        ride.totals.powerBins = RideHistogram(width: RideHistogram.powerWidth, text: Substring(powerBins))
        return ride
    }
}
