// Command controlplane is the embedded cluster's processes in one executable, chosen by
// the name it is started as (a link named kube-apiserver, etcd, ...). Each process still
// runs alone; one file means the code pages they share are in memory once.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"flightschool.local/toolchain/controlplane/component"
	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kwokconfig "sigs.k8s.io/kwok/pkg/config"
	kwokcmd "sigs.k8s.io/kwok/pkg/kwok/cmd"
	kwoklog "sigs.k8s.io/kwok/pkg/log"
	"sigs.k8s.io/kwok/pkg/utils/signals"
	_ "time/tzdata"
)

func main() {
	switch name := component.Of(os.Args[0]); name {
	case "kube-apiserver":
		relaxGCWhileStarting(os.Args[1:])
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		awaitHealthyAPIServer(os.Args[1:])
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "etcd":
		etcdmain.Main(os.Args)
	case "kwok":
		os.Exit(runKwok())
	default:
		fmt.Fprintf(os.Stderr, "%s: start me as kube-apiserver, kube-controller-manager, kube-scheduler, etcd or kwok\n", name)
		os.Exit(2)
	}
}

// runKwok is kwok's own main. The Kubernetes packages linked beside it register flags of
// their own (--version among them) on the global flag set; kwok starts from an empty one.
func runKwok() int {
	pflag.CommandLine = pflag.NewFlagSet(os.Args[0], pflag.ExitOnError)
	flags := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flags.ParseErrorsAllowlist.UnknownFlags = true
	flags.Usage = func() {}
	ctx := signals.SetupSignalContext()
	ctx, logger := kwoklog.InitFlags(ctx, flags)
	ctx, err := kwokconfig.InitFlags(ctx, flags)
	if err != nil {
		_, _ = os.Stderr.Write([]byte(flags.FlagUsages()))
		logger.Error("Init config flags", "err", err)
		return 1
	}
	command := kwokcmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flags)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("Execute exit", "err", err)
		return 1
	}
	return 0
}

// awaitHealthyAPIServer returns once the API server named by --kubeconfig answers /healthz,
// or after a minute. The controller manager checks /healthz itself, but only once a second,
// and the API server's post-start hooks finish at no fixed point within that second: asking
// every 50 ms first starts the controllers (and so the default ServiceAccounts) up to a
// second sooner. Without a kubeconfig there is nothing to ask, and the manager's own check
// decides as before.
func awaitHealthyAPIServer(args []string) {
	kubeconfig := flagValue(args, "kubeconfig")
	if kubeconfig == "" {
		return
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return
	}
	config.Timeout = time.Second
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		status := 0
		client.Discovery().RESTClient().Get().AbsPath("/healthz").Do(context.Background()).StatusCode(&status)
		if status == http.StatusOK {
			return
		}
	}
}

// flagValue is the value of --name=value or --name value in args, or "".
func flagValue(args []string, name string) string {
	for i, arg := range args {
		if value, ok := strings.CutPrefix(arg, "--"+name+"="); ok {
			return value
		}
		if arg == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}
