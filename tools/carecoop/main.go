// Command carecoop is the platform's command-line tool:
//
//	carecoop dev    every service in one process on an embedded NATS with JetStream
//	carecoop token  a development token signed by the dev stack's key
//	carecoop seed   the north-west framework demo, sent through the framework API
//	carecoop import-903  a council's SSDA903 extract as a needs return (counts only)
//	carecoop dead-letters  list and replay the events reactions gave up on
//	carecoop export-ocds  the open contracting data (OCDS) of a running stack
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `usage: carecoop <command> [flags]

commands:
  dev     run every service in one process on an embedded NATS (JetStream on disk)
  token   print a development token signed by the dev stack's key
  seed    send the north-west framework demo to a running stack's framework
          service ('carecoop dev' seeds all the demo data on its first start)
  import-903  compute a needs return from a council's SSDA903 extract on this
          machine and submit only the counts
  dead-letters  list the events reactions gave up on, and replay them
  simulate  write a generated history into a dev data directory (scale tests)
  export-ocds  print a running stack's open contracting data as an OCDS 1.1
          release package
  esdb-relay  copy commits from EventStoreDB/KurrentDB to the NATS event stream
          (services run with -store esdb://…)

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
	case "dead-letters":
		err = runDeadLetters(os.Args[2:], os.Stdout)
	case "simulate":
		err = runSimulate(os.Args[2:], os.Stdout)
	case "export-ocds":
		err = runExportOcds(os.Args[2:], os.Stdout)
	case "esdb-relay":
		err = runESDBRelay(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "carecoop: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return // -h or --help: the usage is on stdout
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "carecoop:", err)
		os.Exit(1)
	}
}

// parseFlags parses a command's flags. about says what the command does;
// -h or --help prints it and the flags to stdout and returns flag.ErrHelp
// (an exit 0); a bad flag is reported with the flags on stderr, as is any
// later fs.Usage().
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, about string) error {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: carecoop %s [flags]\n\n%s\nflags:\n", fs.Name(), about)
		fs.PrintDefaults()
	}
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		_, _ = stdout.Write(buf.Bytes())
		return err
	}
	_, _ = os.Stderr.Write(buf.Bytes())
	return err
}
