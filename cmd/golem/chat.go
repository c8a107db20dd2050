package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

var chatFlags struct {
	model, system string
	gen           genFlags
}

// The chat template: the conversation is kept as one prompt,
//
//	[system text + "\n"]
//	"User: " + line + "\n" + "Assistant:" + reply + "\n"
//	...
//
// and each reply is generated after "Assistant:" until the model writes
// "\nUser:" (the next turn) or its end-of-text token.
const (
	chatUser      = "User: "
	chatAssistant = "Assistant:"
	chatStop      = "\nUser:"
)

var chatCmd = &cobra.Command{
	Use:   "chat",
	Short: "Talk with a model in the terminal",
	Long: `Chat reads your lines from standard input and answers each with the model
in --model. The conversation is kept as one prompt with a simple template:

    User: <your line>
    Assistant: <the model's reply>

and each reply ends where the model writes "\nUser:" or its end-of-text
token. The model keeps the conversation in its cache, so each turn costs
the new text, not the whole conversation again. When the conversation
outgrows the model's context, only its end is kept. Type /reset to start over; end with /quit or end of input (Ctrl-D).`,
	Example: `  golem chat --model runs/chat-model
  printf 'Hello\nHow are you?\n' | golem chat --model runs/chat-model --temperature 0`,
	Args: cobra.NoArgs,
	RunE: runChat,
}

func init() {
	f := chatCmd.Flags()
	f.StringVar(&chatFlags.model, "model", "", "model folder (required)")
	f.StringVar(&chatFlags.system, "system", "", "text put before the conversation")
	chatFlags.gen.register(f, 256)
	rootCmd.AddCommand(chatCmd)
}

func runChat(cmd *cobra.Command, _ []string) error {
	cf := &chatFlags
	smp, err := cf.gen.sampler()
	if err != nil {
		return err
	}
	m, tok, err := loadModel("--model", cf.model)
	if err != nil {
		return err
	}
	in, out := cmd.InOrStdin(), cmd.OutOrStdout()
	interactive := false
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		interactive = true
		fmt.Fprintf(cmd.ErrOrStderr(), "Chatting with %s (%d parameters). /reset starts over, /quit or Ctrl-D ends.\n", cf.model, m.NumParams())
	}
	// The session keeps the conversation's cache from turn to turn: each
	// turn feeds the model only the new line, not the whole conversation.
	m.SetTraining(false)
	sess := m.NewSession()
	var convo strings.Builder
	reset := func() {
		convo.Reset()
		if cf.system != "" {
			convo.WriteString(cf.system + "\n")
		}
	}
	reset()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for {
		if interactive {
			fmt.Fprint(cmd.ErrOrStderr(), "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		switch line {
		case "":
			continue
		case "/quit", "/exit":
			return nil
		case "/reset":
			reset()
			fmt.Fprintln(cmd.ErrOrStderr(), "(conversation reset)")
			continue
		}
		encodeWarn(cmd.ErrOrStderr(), tok, line, "your message") // warns only
		convo.WriteString(chatUser + line + "\n" + chatAssistant)
		fmt.Fprint(out, chatAssistant)
		sw := &stopWriter{w: out, stop: chatStop}
		generateIn(sess, tok, cropPrompt(m, tok.Encode(convo.String())), cf.gen.maxTokens, smp, sw)
		reply := sw.text.String()
		convo.WriteString(strings.TrimRight(reply, "\n") + "\n")
		if !strings.HasSuffix(reply, "\n") {
			fmt.Fprintln(out)
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("reading input: %w", err)
	}
	if interactive {
		fmt.Fprintln(cmd.ErrOrStderr())
	}
	return nil
}
