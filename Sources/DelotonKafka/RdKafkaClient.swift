import CRdKafka
import Foundation
import Logging

/// Owns one `rd_kafka_t` and the state its callbacks reach. Not thread-safe on
/// its own: `KafkaConsumer` and `KafkaProducer` decide which thread calls what.
final class RdKafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let state: ClientState
    private let retainedState: Unmanaged<ClientState>
    private var destroyed = false

    /// Creates the handle; `configure` installs the C callbacks on the conf.
    init(type: rd_kafka_type_t, properties: [(String, String)], state: ClientState,
         configure: (OpaquePointer) -> Void) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.fatal, "librdkafka could not allocate a configuration")
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let detail = KafkaConfig.isSecret(key) ? "value refused" : String(cBuffer: errorBuffer)
                throw KafkaError(.configuration, "Kafka setting \(key) is not valid: \(detail)")
            }
        }
        let retained = Unmanaged.passRetained(state)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_error_cb(conf) { rk, code, reason, opaque in
            guard let opaque else { return }
            let state = Unmanaged<ClientState>.fromOpaque(opaque).takeUnretainedValue()
            state.handleErrorEvent(rk, code: rd_kafka_resp_err_t(rawValue: code),
                                   reason: reason.map { String(cString: $0) } ?? "unknown error")
        }
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let state = Unmanaged<ClientState>.fromOpaque(opaque).takeUnretainedValue()
            let facility = facility.map { String(cString: $0) } ?? "?"
            let text = message.map { String(cString: $0) } ?? ""
            // Connection failures ("FAIL") also arrive as error events, which are logged already.
            if level <= 4, facility != "FAIL" {
                state.transientLog.log(.warning, key: "log-\(facility)", "librdkafka \(facility): \(text)")
            } else {
                state.logger.debug("librdkafka \(facility): \(text)")
            }
        }
        configure(conf)
        guard let handle = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
            // rd_kafka_new only takes ownership of conf when it succeeds.
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError(.configuration, "Kafka client could not start: \(String(cBuffer: errorBuffer))")
        }
        self.handle = handle
        self.state = state
        self.retainedState = retained
    }

    /// Frees the handle; callbacks stop before the state is released.
    func destroy() {
        guard !destroyed else { return }
        destroyed = true
        rd_kafka_destroy(handle)
        retainedState.release()
    }

    var isDestroyed: Bool { destroyed }

    /// A cheap broker round trip used to tell "still down" from "recovered".
    func brokersAnswer(timeout: Duration = .seconds(2)) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(handle, 0, nil, &metadata, Int32(timeout.milliseconds))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return code == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    func checkHealth() throws(KafkaError) {
        try state.checkHealth { !brokersAnswer() }
    }
}

extension String {
    /// Reads a NUL-terminated C string out of a fixed buffer without trusting it to be terminated.
    init(cBuffer: [CChar]) {
        let bytes = cBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
