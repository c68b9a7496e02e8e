package jetstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
)

// appClientType is the JetStream client's own implementation. A store over
// anything else (a wrapper that observes or alters publishes, as the fault
// tests do) publishes through its PublishMsg, so the wrapper still sees
// every append.
var appClientType = func() reflect.Type {
	js, err := natsjs.New(&nats.Conn{})
	if err != nil {
		return nil
	}
	return reflect.TypeOf(js)
}()

// appAck is what Append needs of a publish acknowledgement.
type appAck struct {
	seq       uint64
	duplicate bool
}

// appPublishRetries and appPublishRetryWait repeat a publish nobody answered
// (no responders: nothing was delivered, so nothing can be stored twice), as
// the JetStream client's PublishMsg does.
const (
	appPublishRetries   = 2
	appPublishRetryWait = 250 * time.Millisecond
)

// appPublish is natsjs.JetStream.PublishMsg with a cheaper acknowledgement:
// the server's plain ack ({"stream":"…","seq":N}, optionally with a domain)
// is read without encoding/json, which took a sixth of the client's CPU per
// append (docs/benchmarks.md); anything else (a duplicate, an error, a form
// not recognised) goes through encoding/json as before, so errors are the
// same *natsjs.APIError values Append switches on.
func (s *Store) appPublish(ctx context.Context, msg *nats.Msg) (appAck, error) {
	if reflect.TypeOf(s.js) != appClientType {
		ack, err := s.js.PublishMsg(ctx, msg)
		if err != nil {
			return appAck{}, err
		}
		return appAck{seq: ack.Sequence, duplicate: ack.Duplicate}, nil
	}
	nc := s.js.Conn()
	resp, err := nc.RequestMsgWithContext(ctx, msg)
	for r := 0; errors.Is(err, nats.ErrNoResponders) && r < appPublishRetries; r++ {
		select {
		case <-ctx.Done():
		case <-time.After(appPublishRetryWait):
		}
		resp, err = nc.RequestMsgWithContext(ctx, msg)
	}
	if errors.Is(err, nats.ErrNoResponders) {
		return appAck{}, natsjs.ErrNoStreamResponse
	}
	if err != nil {
		return appAck{}, err
	}
	return appParseAck(resp.Data)
}

// appParseAck reads a publish acknowledgement.
func appParseAck(data []byte) (appAck, error) {
	if seq, ok := appPlainAck(data); ok {
		return appAck{seq: seq}, nil
	}
	var r struct {
		Stream    string           `json:"stream"`
		Seq       uint64           `json:"seq"`
		Duplicate bool             `json:"duplicate"`
		Error     *natsjs.APIError `json:"error"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return appAck{}, natsjs.ErrInvalidJSAck
	}
	if r.Error != nil {
		return appAck{}, fmt.Errorf("nats: %w", r.Error)
	}
	if r.Stream == "" {
		return appAck{}, natsjs.ErrInvalidJSAck
	}
	return appAck{seq: r.Seq, duplicate: r.Duplicate}, nil
}

// appPlainAck recognises only the exact success form nats-server writes,
// {"stream":…,"seq":N} with the digits last, and no error.
func appPlainAck(data []byte) (uint64, bool) {
	const seqKey = `,"seq":`
	if !bytes.HasPrefix(data, []byte(`{"stream":"`)) || !bytes.HasSuffix(data, []byte("}")) ||
		bytes.Contains(data, []byte(`"error"`)) {
		return 0, false
	}
	i := bytes.LastIndex(data, []byte(seqKey))
	if i < 0 {
		return 0, false
	}
	digits := data[i+len(seqKey) : len(data)-1]
	if len(digits) == 0 || digits[0] == '0' && len(digits) > 1 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	seq, err := strconv.ParseUint(string(digits), 10, 64)
	return seq, err == nil && seq > 0
}
