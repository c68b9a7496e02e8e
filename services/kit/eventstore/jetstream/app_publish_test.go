package jetstream

import (
	"errors"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
)

// The acknowledgements nats-server 2.15 writes, read as encoding/json read
// them through the client's PublishMsg.
func TestAppParseAck(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       appAck
		code       natsjs.ErrorCode
		invalid    bool
	}{
		{name: "plain", data: `{"stream":"EVENTS","seq":123}`, want: appAck{seq: 123}},
		{name: "domain", data: `{"stream":"EVENTS","domain":"hub","seq":9}`, want: appAck{seq: 9}},
		{name: "duplicate", data: `{"stream":"EVENTS","seq":5,"duplicate": true}`, want: appAck{seq: 5, duplicate: true}},
		{name: "spaced", data: `{"stream": "EVENTS", "seq": 7}`, want: appAck{seq: 7}},
		{name: "wrong last sequence", data: `{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 4"},"stream":"EVENTS","seq":0}`, code: 10071},
		{name: "error after the stream", data: `{"stream":"EVENTS","seq":0,"error":{"code":503,"err_code":10008,"description":"unavailable"}}`, code: 10008},
		{name: "not json", data: `nope`, invalid: true},
		{name: "no stream", data: `{"seq":3}`, invalid: true},
		{name: "leading zero", data: `{"stream":"EVENTS","seq":012}`, invalid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appParseAck([]byte(tc.data))
			switch {
			case tc.invalid:
				if !errors.Is(err, natsjs.ErrInvalidJSAck) {
					t.Fatalf("got %+v, %v; want ErrInvalidJSAck", got, err)
				}
			case tc.code != 0:
				if !isAPIError(err, tc.code) {
					t.Fatalf("got %+v, %v; want API error %d", got, err, tc.code)
				}
			case err != nil || got != tc.want:
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
