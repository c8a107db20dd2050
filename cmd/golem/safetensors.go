package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/golemml/golem/safetensors"
)

var safetensorsFlags struct {
	json bool
}

var safetensorsCmd = &cobra.Command{
	Use:   "safetensors FILE...",
	Short: "List the tensors of .safetensors checkpoints (name, dtype, shape, values)",
	Long: `Reads and validates each .safetensors file and prints its metadata and a
table of its tensors: name, dtype, shape and number of values, with totals.
With --json, prints one JSON object per file instead.`,
	Args: cobra.MinimumNArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		for i, path := range args {
			f, err := safetensors.ReadFile(path)
			if err != nil {
				return err
			}
			if safetensorsFlags.json {
				if err := printSafetensorsJSON(cmd.OutOrStdout(), path, f); err != nil {
					return err
				}
				continue
			}
			if i > 0 {
				fmt.Fprintln(cmd.OutOrStdout())
			}
			printSafetensors(cmd.OutOrStdout(), path, f)
		}
		return nil
	},
}

func init() {
	safetensorsCmd.Flags().BoolVar(&safetensorsFlags.json, "json", false, "print JSON instead of a table")
	rootCmd.AddCommand(safetensorsCmd)
}

type safetensorsEntry struct {
	Name   string `json:"name"`
	Dtype  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Values int64  `json:"values"`
}

func safetensorsEntries(f *safetensors.File) (entries []safetensorsEntry, total int64) {
	for _, name := range f.Names() {
		dtype, shape, _ := f.Info(name)
		n := int64(1)
		for _, d := range shape {
			n *= int64(d)
		}
		total += n
		entries = append(entries, safetensorsEntry{Name: name, Dtype: dtype, Shape: shape, Values: n})
	}
	return entries, total
}

func printSafetensors(w io.Writer, path string, f *safetensors.File) {
	entries, total := safetensorsEntries(f)
	fmt.Fprintf(w, "%s: %d tensors, %d values\n", path, len(entries), total)
	keys := make([]string, 0, len(f.Metadata))
	for k := range f.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  metadata %s = %q\n", k, f.Metadata[k])
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  name\tdtype\tshape\tvalues")
	for _, e := range entries {
		dims := make([]string, len(e.Shape))
		for i, d := range e.Shape {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\t%d\n", e.Name, e.Dtype, strings.Join(dims, ", "), e.Values)
	}
	tw.Flush()
}

func printSafetensorsJSON(w io.Writer, path string, f *safetensors.File) error {
	entries, total := safetensorsEntries(f)
	if entries == nil {
		entries = []safetensorsEntry{}
	}
	return json.NewEncoder(w).Encode(struct {
		File     string             `json:"file"`
		Metadata map[string]string  `json:"metadata"`
		Tensors  []safetensorsEntry `json:"tensors"`
		Values   int64              `json:"values"`
	}{path, f.Metadata, entries, total})
}
