package jetstream

import (
	"fmt"
	"strconv"
	"strings"
)

// appReplyMeta reads the stream sequence and the number of messages pending
// out of a consumed message's JetStream ack subject, in one pass and without
// allocating: Metadata() splits the subject into strings and allocates a
// struct for every message, a fifth of what decoding cost a replayed
// one-event commit (docs/benchmarks.md). The subject is
// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending> (9
// tokens) or, from newer servers, $JS.ACK.<domain>.<account hash>.<stream>...
// <pending>.<token> (11 or more).
func appReplyMeta(reply string) (seq, pending uint64, err error) {
	bad := func() (uint64, uint64, error) {
		return 0, 0, fmt.Errorf("eventstore/jetstream: %q is not a JetStream reply", reply)
	}
	rest, ok := strings.CutPrefix(reply, "$JS.ACK.")
	if !ok {
		return bad()
	}
	var tokens [11]string // $JS and ACK cut off: at most 10 wanted, plus the rest
	n := 2
	for n < len(tokens) {
		tok, more, found := strings.Cut(rest, ".")
		tokens[n] = tok
		n++
		if !found {
			rest = ""
			break
		}
		rest = more
	}
	var seqTok, pendTok string
	switch {
	case n == 9 && rest == "":
		seqTok, pendTok = tokens[5], tokens[8]
	case n == 11:
		seqTok, pendTok = tokens[7], tokens[10]
	default:
		return bad()
	}
	if seq, err = strconv.ParseUint(seqTok, 10, 64); err != nil {
		return bad()
	}
	if pending, err = strconv.ParseUint(pendTok, 10, 64); err != nil {
		return bad()
	}
	return seq, pending, nil
}
