// Command golem trains, samples, serves and benchmarks golem models.
//
// Each subcommand lives in its own file of this package and registers itself
// on rootCmd (or benchCmd) in an init function.
package main

import (
	"fmt"
	"os"

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

func init() {
	rootCmd.AddCommand(versionCmd)
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "golem:", err)
		os.Exit(1)
	}
}
