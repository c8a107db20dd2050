// Command golem trains, samples, serves and benchmarks golem models.
//
// Each subcommand lives in its own file of this package and registers itself
// on rootCmd (or benchCmd) in an init function.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

var rootCmd = &cobra.Command{
	Use:           "golem",
	Short:         "golem: deep learning and language models in Go",
	SilenceUsage:  true,
	SilenceErrors: true,
}

var versionCmd = &cobra.Command{
	Use:   "version",
	Short: "Print golem's version",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		fmt.Fprintf(cmd.OutOrStdout(), "golem %s\n", version)
		return nil
	},
}

// cpuProfile is the --cpuprofile flag: every subcommand can write a CPU
// profile for go tool pprof, as go test -cpuprofile does.
var (
	cpuProfile     string
	cpuProfileFile *os.File
)

func init() {
	rootCmd.AddCommand(versionCmd)
	rootCmd.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the command to this file (for go tool pprof)")
	rootCmd.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile %s: %v", cpuProfile, err)
		}
		cpuProfileFile = f
		return nil
	}
}

func main() {
	err := rootCmd.Execute()
	if cpuProfileFile != nil {
		pprof.StopCPUProfile()
		if cerr := cpuProfileFile.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("--cpuprofile: %v", cerr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "golem:", err)
		os.Exit(1)
	}
}
