@testable import DelotonIngest
import Testing

/// Keyed stream names are what warehouses already hold, spelled out here rather than built with
/// the code under test: a changed spelling would leave rides stored open by an earlier version.
@Suite struct KeyedStreamNamesTests {
    @Test("keyed streams keep the names warehouses hold")
    func namesAsStored() {
        var kafka = KeyedStreamNames.byMessageKey(topic: "rides")
        let byKey = kafka.name("SN0001")
        #expect(byKey == "kafka:rides/key=SN0001")
        let unkeyed = kafka.name(nil, fallback: "kafka:rides/0")
        #expect(unkeyed == "kafka:rides/0")
        var file = KeyedStreamNames.byLineKey(of: "file:/data/stream.jsonl")
        let fileStream = file.name("SN0001")
        #expect(fileStream == "file:/data/stream.jsonl#SN0001")
        var simulator = KeyedStreamNames.byLineKey(of: "simulator")
        let simulatorStream = simulator.name("SN0001")
        #expect(simulatorStream == "simulator#SN0001")
    }
}
