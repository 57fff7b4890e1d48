// A Kafka stand-in for benchmarks on a machine without brokers: librdkafka's mock cluster
// (every broker in this process, on loopback) with one topic, until SIGTERM or SIGINT. Writes
// the bootstrap servers to --bootstrap-file once listening. Not Kafka: no disk, no real
// replication between its brokers; it measures the client's round trip, not a cluster's.
#include <CLI/CLI.hpp>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"librdkafka's mock cluster, for benchmarks"};
  int brokers = 3, partitions = 1, replication = 3, rtt_ms = 0;
  std::string topic = "concertmania.journal.main", bootstrap_file;
  app.add_option("--brokers", brokers, "Brokers")->check(CLI::Range(1, 9))->capture_default_str();
  app.add_option("--topic", topic, "Topic to create")->capture_default_str();
  app.add_option("--partitions", partitions, "Its partitions")->capture_default_str();
  app.add_option("--replication-factor", replication, "Its replication factor")
      ->capture_default_str();
  app.add_option("--rtt-ms", rtt_ms, "Round-trip time each broker adds (a network's)")
      ->check(CLI::Range(0, 1000))->capture_default_str();
  app.add_option("--bootstrap-file", bootstrap_file, "Write the bootstrap servers here")
      ->required();
  CLI11_PARSE(app, argc, argv);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // the mock's threads inherit the mask

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (host == nullptr) return std::fprintf(stderr, "mock_kafka: %s\n", err), 1;
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(host, brokers);
  if (cluster == nullptr) return std::fprintf(stderr, "mock_kafka: no cluster\n"), 1;
  if (rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, replication) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return std::fprintf(stderr, "mock_kafka: cannot create %s\n", topic.c_str()), 1;
  for (int b = 1; b <= brokers; ++b) rd_kafka_mock_broker_set_rtt(cluster, b, rtt_ms);
  std::ofstream(bootstrap_file + ".tmp") << rd_kafka_mock_cluster_bootstraps(cluster) << "\n";
  std::rename((bootstrap_file + ".tmp").c_str(), bootstrap_file.c_str());

  int sig = 0;
  sigwait(&signals, &sig);
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(host);
  return 0;
}
