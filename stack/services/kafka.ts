import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafka } from '../../lib/adapters/kafka/client';
import { run, requireTool, runToCompletion } from '../shell';
import type { LocalService, ServiceContext } from '../service';

const home = ({ settings }: ServiceContext): string =>
  join(settings.layout.toolDir, `kafka-${settings.versions.kafka}`);
const libs = (ctx: ServiceContext): string => join(home(ctx), 'libs');
const dataDir = ({ settings }: ServiceContext): string => join(settings.layout.dataDir, 'kafka');
const configDir = ({ settings }: ServiceContext): string => join(settings.layout.dataDir, 'kafka-config');

const JAVA_HINT = 'install a JDK 17+ (Debian: apt-get install openjdk-17-jre-headless)';
const MVN_HINT = 'install Apache Maven (Debian: apt-get install maven)';

/**
 * One node acting as broker and controller. Replication factors of 1 for the internal
 * topics, or offsets and transactions would wait forever for replicas that never come.
 */
const serverProperties = (ctx: ServiceContext): string => {
  const { host, ports } = ctx.settings;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${ports.kafkaController}`,
    `listeners=PLAINTEXT://${host}:${ports.kafka},CONTROLLER://${host}:${ports.kafkaController}`,
    `advertised.listeners=PLAINTEXT://${host}:${ports.kafka}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir(ctx)}`,
    'num.partitions=3',
    'default.replication.factor=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    // Tests create many consumer groups; the default 3 s delay would add up to minutes.
    'group.initial.rebalance.delay.ms=0',
    // Topics come from topics/ only, so a typo in a topic name fails instead of creating one.
    'auto.create.topics.enable=false',
    'log.cleaner.enable=true',
    '',
  ].join('\n');
};

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.state.change.logger=WARN',
  '',
].join('\n');

export const kafkaService: LocalService = {
  name: 'kafka',
  startTimeoutMs: 60_000,
  version: (ctx) => `Apache Kafka ${ctx.settings.versions.kafka} (KRaft, combined broker+controller)`,
  port: (ctx) => ctx.settings.ports.kafka,

  async provision(ctx) {
    const { settings, progress } = ctx;
    const marker = join(libs(ctx), `kafka_2.13-${settings.versions.kafka}.jar`);
    if (existsSync(marker)) return;
    requireTool('java', JAVA_HINT);
    const mvn = requireTool('mvn', MVN_HINT);
    const started = Date.now();
    progress.step('kafka', `resolving Kafka ${settings.versions.kafka} jars from Maven Central`);
    const staging = `${libs(ctx)}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(settings.layout.logDir, { recursive: true });
    await run(
      mvn,
      [
        '-B',
        '-f',
        join(__dirname, '..', 'kafka', 'pom.xml'),
        'dependency:copy-dependencies',
        `-Dkafka.version=${settings.versions.kafka}`,
        `-DoutputDirectory=${staging}`,
        `-Dmaven.repo.local=${join(settings.layout.cacheDir, 'm2', 'kafka')}`,
      ],
      { service: 'kafka', progress, logFile: join(settings.layout.logDir, 'provision-kafka.log') },
    );
    rmSync(libs(ctx), { recursive: true, force: true });
    mkdirSync(home(ctx), { recursive: true });
    renameSync(staging, libs(ctx));
    progress.done('kafka', `${readdirSync(libs(ctx)).length} jars in ${libs(ctx)}`, started);
  },

  async prepare(ctx) {
    const java = requireTool('java', JAVA_HINT);
    mkdirSync(configDir(ctx), { recursive: true });
    const properties = join(configDir(ctx), 'server.properties');
    const log4j = join(configDir(ctx), 'log4j.properties');
    writeFileSync(properties, serverProperties(ctx));
    writeFileSync(log4j, LOG4J);
    const classpath = `${libs(ctx)}/*`;
    if (!existsSync(join(dataDir(ctx), 'meta.properties'))) {
      const started = Date.now();
      mkdirSync(dataDir(ctx), { recursive: true });
      const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
      runToCompletion(`kafka storage format in ${dataDir(ctx)}`, java, [
        `-Dlog4j.configuration=file:${log4j}`,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        properties,
      ]);
      ctx.progress.done('kafka', `formatted KRaft storage (cluster ${clusterId})`, started);
    }
    return {
      service: 'kafka',
      command: java,
      args: [
        '-Xms256m',
        '-Xmx1g',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${log4j}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
    };
  },

  async probe(ctx) {
    const kafka = createKafka({
      clientId: 'orderstream-stack-probe',
      brokers: `${ctx.settings.host}:${ctx.settings.ports.kafka}`,
      retry: { retries: 0 },
      connectionTimeoutMs: 1_000,
    });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
};
