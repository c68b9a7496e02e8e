//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main says how to build this program: it runs only in a browser.
func main() {
	fmt.Fprintln(os.Stderr, "this is the portal's WebAssembly counter: build it with GOOS=js GOARCH=wasm (make assets)")
	os.Exit(2)
}
