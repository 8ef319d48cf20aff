import { startTracing } from './tracing';

/**
 * Loaded before a process's entry (`node --import tsx --import <this file> <entry>`), so the
 * instrumentations are in place before Koa or MongoDB is first required. `npm start` names each
 * process it supervises in SERVICE_NAME; tracing stays off without OTEL_EXPORTER_OTLP_ENDPOINT.
 */
startTracing(process.env.SERVICE_NAME ?? 'orderstream');
