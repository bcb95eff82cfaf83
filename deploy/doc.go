// Package deploy holds no code: it is the home of the deployment files
// (Kubernetes manifests, the blue/green script, alert rules and dashboards)
// and of the tests that check them against each other and against the server.
package deploy
