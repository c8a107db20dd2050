package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

var sampleFlags struct {
	model, prompt, promptFile, stop string
	gen                             genFlags
}

var sampleCmd = &cobra.Command{
	Use:   "sample",
	Short: "Generate text from a trained model, streaming tokens as they come",
	Long: `Sample continues --prompt with the model in --model (a folder written by
golem train or quickstart, or a Hugging Face GPT-2 folder with its
tokenizer files), printing each token as it is generated. Generation uses
the model's KV cache; when the context is full it slides the window.
It stops after --max-tokens, at the end-of-text token, or at --stop (which
is not printed).`,
	Example: `  golem sample --model runs/quickstart --prompt "func main() {" --max-tokens 300
  golem sample --model out/shakespeare --prompt "ROMEO:" --temperature 0.7 --top-k 40 --seed 7`,
	Args: cobra.NoArgs,
	RunE: runSample,
}

func init() {
	f := sampleCmd.Flags()
	f.StringVar(&sampleFlags.model, "model", "", "model folder (required)")
	f.StringVar(&sampleFlags.prompt, "prompt", "", "text to continue (empty: start from end-of-text or a newline)")
	f.StringVar(&sampleFlags.promptFile, "prompt-file", "", "read the prompt from this file instead")
	f.StringVar(&sampleFlags.stop, "stop", "", "stop when the generated text contains this string")
	sampleFlags.gen.register(f, 200)
	rootCmd.AddCommand(sampleCmd)
}

func runSample(cmd *cobra.Command, _ []string) error {
	sf := &sampleFlags
	smp, err := sf.gen.sampler()
	if err != nil {
		return err
	}
	prompt := sf.prompt
	if sf.promptFile != "" {
		if sf.prompt != "" {
			return fmt.Errorf("--prompt and --prompt-file both given; use one")
		}
		b, err := os.ReadFile(sf.promptFile)
		if err != nil {
			return fmt.Errorf("--prompt-file: %w", err)
		}
		prompt = string(b)
	}
	m, tok, err := loadModel("--model", sf.model)
	if err != nil {
		return err
	}
	ids := encodeWarn(cmd.ErrOrStderr(), tok, prompt, "--prompt")
	if len(ids) == 0 {
		if e := eotOf(tok); e >= 0 {
			ids = []int{e}
		} else if nl := tok.Encode("\n"); len(nl) == 1 {
			ids, prompt = nl, ""
		} else {
			return fmt.Errorf("--prompt %q has no token the model knows; give a prompt", prompt)
		}
	}
	out := cmd.OutOrStdout()
	fmt.Fprint(out, prompt)
	sw := &stopWriter{w: out, stop: sf.stop}
	generate(m, tok, ids, sf.gen.maxTokens, smp, sw)
	fmt.Fprintln(out)
	return nil
}
