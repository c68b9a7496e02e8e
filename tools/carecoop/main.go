// Command carecoop is the platform's command-line tool:
//
//	carecoop dev    every service in one process on an embedded NATS with JetStream
//	carecoop token  a development token signed by the dev stack's key
//	carecoop seed   the north-west demo data, sent through the services' APIs
//	carecoop import-903  a council's SSDA903 extract as a needs return (counts only)
package main

import (
	"errors"
	"fmt"
	"os"
)

const usage = `usage: carecoop <command> [flags]

commands:
  dev     run every service in one process on an embedded NATS (JetStream on disk)
  token   print a development token signed by the dev stack's key
  seed    send the north-west demo data to a running stack
  import-903  compute a needs return from a council's SSDA903 extract on this
          machine and submit only the counts

Run 'carecoop <command> -h' for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "dev":
		err = runDev(os.Args[2:])
	case "token":
		err = runToken(os.Args[2:], os.Stdout)
	case "seed":
		err = runSeed(os.Args[2:])
	case "import-903":
		err = runImport903(os.Args[2:], os.Stdin, os.Stdout)
		if errors.Is(err, errNotSubmitted) {
			os.Exit(1)
		}
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "carecoop: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "carecoop:", err)
		os.Exit(1)
	}
}
