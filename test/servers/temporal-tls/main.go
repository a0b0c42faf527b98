// temporal-tls runs Temporal's own server (go.temporal.io/server, the version the pinned CLI
// bundles) in one process for the tests of TLS connections: SQLite in memory, the frontend
// serving TLS and, with -require-client-cert, refusing clients without a certificate signed by
// -client-ca. With -api-key-file every frontend call must also carry "authorization: Bearer
// <key>", as Temporal Cloud asks; the server's own system worker is let through by its client
// certificate, so the key needs -require-client-cert (Go's server sees no certificate otherwise).
// It prints "ready" on stdout once the namespace answers over TLS.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

type options struct {
	ip, namespace, logLevel         string
	port, httpPort                  int
	cert, key, clientCA, serverName string
	systemCert, systemKey, systemCN string
	requireClientCert               bool
	apiKeyFile                      string
}

func main() {
	var o options
	flag.StringVar(&o.ip, "ip", "127.0.0.1", "address the services bind")
	flag.IntVar(&o.port, "port", 7233, "frontend gRPC port")
	flag.IntVar(&o.httpPort, "http-port", 0, "frontend HTTP port (0: a free one)")
	flag.StringVar(&o.namespace, "namespace", "default", "namespace to create")
	flag.StringVar(&o.logLevel, "log-level", "warn", "server log level")
	flag.StringVar(&o.cert, "tls-cert", "", "server certificate (PEM)")
	flag.StringVar(&o.key, "tls-key", "", "server private key (PEM)")
	flag.StringVar(&o.clientCA, "client-ca", "", "CA that signs client certificates (PEM); also the CA of the server certificate")
	flag.StringVar(&o.serverName, "server-name", "localhost", "name in the server certificate, used by the system worker")
	flag.StringVar(&o.systemCert, "system-cert", "", "client certificate of the server's own system worker (PEM)")
	flag.StringVar(&o.systemKey, "system-key", "", "private key of -system-cert (PEM)")
	flag.StringVar(&o.systemCN, "system-cn", "temporal-system", "common name of -system-cert, let through without an API key")
	flag.BoolVar(&o.requireClientCert, "require-client-cert", false, "refuse clients without a certificate signed by -client-ca")
	flag.StringVar(&o.apiKeyFile, "api-key-file", "", "require this API key as a bearer token on every frontend call")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "temporal-tls:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.cert == "" || o.key == "" || o.clientCA == "" || o.systemCert == "" || o.systemKey == "" {
		return fmt.Errorf("-tls-cert, -tls-key, -client-ca, -system-cert and -system-key are required")
	}
	var apiKey string
	if o.apiKeyFile != "" && !o.requireClientCert {
		return fmt.Errorf("-api-key-file needs -require-client-cert")
	}
	if o.apiKeyFile != "" {
		b, err := os.ReadFile(o.apiKeyFile)
		if err != nil {
			return err
		}
		apiKey = strings.TrimSpace(string(b))
	}
	if o.httpPort == 0 {
		o.httpPort = freePort(o.ip)
	}
	conf, err := serverConfig(o)
	if err != nil {
		return err
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: o.logLevel, Format: "console"}))
	hostOf := func(s primitives.ServiceName) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(o.ip, strconv.Itoa(conf.Services[string(s)].RPC.GRPCPort)))
	}
	opts := []temporal.ServerOption{
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: hostOf(primitives.FrontendService),
			primitives.MatchingService: hostOf(primitives.MatchingService),
			primitives.HistoryService:  hostOf(primitives.HistoryService),
			primitives.WorkerService:   hostOf(primitives.WorkerService),
		}),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		}),
	}
	if apiKey != "" {
		opts = append(opts, temporal.WithChainedFrontendGrpcInterceptors(requireAPIKey(apiKey, o.systemCN)))
	}
	server, err := temporal.NewServer(opts...)
	if err != nil {
		return err
	}
	if err := server.Start(); err != nil {
		return err
	}
	defer server.Stop()
	if err := waitNamespace(o); err != nil {
		return err
	}
	fmt.Println("ready")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	return nil
}

func serverConfig(o options) (*config.Config, error) {
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = o.ip
	// Frontend only: the services talk to each other in plaintext on loopback.
	conf.Global.TLS.Frontend.Server = config.ServerTLS{
		CertFile: o.cert, KeyFile: o.key, ClientCAFiles: []string{o.clientCA}, RequireClientAuth: o.requireClientCert,
	}
	conf.Global.TLS.Frontend.Client = config.ClientTLS{ServerName: o.serverName, RootCAFiles: []string{o.clientCA}}
	conf.Global.TLS.SystemWorker = config.WorkerTLS{
		CertFile: o.systemCert, KeyFile: o.systemKey,
		Client: config.ClientTLS{ServerName: o.serverName, RootCAFiles: []string{o.clientCA}},
	}
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	sql := config.SQL{
		PluginName:        sqliteplugin.PluginName,
		ConnectAttributes: map[string]string{"mode": "memory", "cache": "shared"},
		DatabaseName:      strconv.Itoa(rand.Intn(9999999)),
	}
	ns, err := sqliteschema.NewNamespaceConfig("active", o.namespace, false, nil)
	if err != nil {
		return nil, err
	}
	if err := sqliteschema.CreateNamespaces(&sql, ns); err != nil {
		return nil, err
	}
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: &sql}}
	frontend := net.JoinHostPort(o.ip, strconv.Itoa(o.port))
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        "active",
		CurrentClusterName:       "active",
		ClusterInformation: map[string]cluster.ClusterInformation{
			"active": {
				Enabled: true, InitialFailoverVersion: 1, ClusterID: "sweep-tls-test",
				RPCAddress: frontend, HTTPAddress: net.JoinHostPort(o.ip, strconv.Itoa(o.httpPort)),
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for _, name := range []string{"frontend", "history", "matching", "worker"} {
		var svc config.Service
		svc.RPC.BindOnIP = o.ip
		if name == "frontend" {
			svc.RPC.GRPCPort, svc.RPC.HTTPPort = o.port, o.httpPort
		} else {
			svc.RPC.GRPCPort = freePort(o.ip)
		}
		conf.Services[name] = svc
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend
	return &conf, nil
}

// requireAPIKey refuses frontend calls without the bearer token, except the health check and
// calls from the server's own system worker (recognised by its verified client certificate).
func requireAPIKey(key, systemCN string) grpc.UnaryServerInterceptor {
	want := "Bearer " + key
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if strings.HasPrefix(info.FullMethod, "/grpc.health.") || fromSystemWorker(ctx, systemCN) {
			return handler(ctx, req)
		}
		md, _ := metadata.FromIncomingContext(ctx)
		for _, v := range md.Get("authorization") {
			if v == want {
				return handler(ctx, req)
			}
		}
		return nil, status.Error(codes.Unauthenticated, "missing or wrong API key")
	}
}

func fromSystemWorker(ctx context.Context, systemCN string) bool {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 {
		return false
	}
	return info.State.VerifiedChains[0][0].Subject.CommonName == systemCN
}

// waitNamespace calls DescribeNamespace over TLS as the system worker until it answers.
func waitNamespace(o options) error {
	cert, err := tls.LoadX509KeyPair(o.systemCert, o.systemKey)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(o.clientCA)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	creds := credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: o.serverName})
	conn, err := grpc.NewClient(net.JoinHostPort(o.ip, strconv.Itoa(o.port)), grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := workflowservice.NewWorkflowServiceClient(conn)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := client.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: o.namespace})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("namespace %s not ready: %w", o.namespace, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(ip string) int {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
