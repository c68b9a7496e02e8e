//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
)

// main publishes carecoopCount903(episodes, header, la, asAt, episodesName,
// headerName) → JSON of a result, for needs.js, and then waits for calls.
func main() {
	js.Global().Set("carecoopCount903", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 6 {
			return `{"error":"carecoopCount903 takes six arguments"}`
		}
		out, err := json.Marshal(count(args[0].String(), args[1].String(), args[2].String(), args[3].String(), args[4].String(), args[5].String()))
		if err != nil {
			return `{"error":"the result could not be written"}`
		}
		return string(out)
	}))
	select {}
}
