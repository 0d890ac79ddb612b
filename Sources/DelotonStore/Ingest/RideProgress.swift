/// Whether a ride snapshot may replace the stored row. A snapshot with fewer readings is a
/// replay still catching up and must not make a finished ride look unfinished; one with as
/// many readings may only touch a ride that is still open (its saved state moves on, or it ends).
public enum RideProgress {
    public static func advances(readings: Int, storedReadings: Int, storedOpen: Bool) -> Bool {
        readings > storedReadings || (readings == storedReadings && storedOpen)
    }
}
