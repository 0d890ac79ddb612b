import DelotonNotify
import Testing

@Suite("EmailAddress.isValid")
struct EmailAddressTests {
    @Test(arguments: [
        "steven.p@gmail.com", "mr.s@gmail.com", "dr_l@hotmail.com", "sara_wilson-thomas@hotmail.com",
        "brian.norris-king5@hotmail.com", "a+tag@example.co.uk", "alerts@deloton.local", "root@localhost",
        "o'brien@example.ie",
    ])
    func acceptsRealAddresses(address: String) {
        #expect(EmailAddress.isValid(address))
    }

    @Test(arguments: [
        "", "plainaddress", "@example.com", "jack@", "jack@example", "jack@@example.com", "jack smith@example.com",
        ".jack@example.com", "jack.@example.com", "ja..ck@example.com", "jack@-example.com", "jack@example..com",
        "jack@example.c_m", "zoë@example.com", "jack@exämple.com", "jack@1.2.3.4", "<jack@example.com>",
        "jack@example.com\r\nBcc: x@y.z", String(repeating: "a", count: 65) + "@example.com",
    ])
    func rejectsBrokenAddresses(address: String) {
        #expect(!EmailAddress.isValid(address))
    }
}
