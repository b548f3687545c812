/**
 * Server reflection (grpc.reflection.v1 and v1alpha, @grpc/reflection) over the descriptors
 * protoc-gen-es embedded in the generated code, so grpcurl and other clients need no .proto
 * files. @grpc/reflection reads a proto-loader package definition, of which it uses only each
 * entry's serialized FileDescriptorProtos: those are given here, every file under every service.
 */
import type * as grpc from '@grpc/grpc-js';
import { toBinary, type DescFile, type DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ReflectionService } from '@grpc/reflection';

/** The file of each service and every file it imports, each once. */
function filesOf(services: readonly DescService[]): DescFile[] {
  const files = new Map<string, DescFile>();
  const add = (file: DescFile): void => {
    if (files.has(file.name)) return;
    files.set(file.name, file);
    file.dependencies.forEach(add);
  };
  services.forEach((service) => add(service.file));
  return [...files.values()];
}

export function addReflection(server: grpc.Server, services: readonly DescService[]): void {
  const fileDescriptorProtos = filesOf(services).map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
  const definition = Object.fromEntries(services.map((service) => [service.typeName, { fileDescriptorProtos }]));
  new ReflectionService(definition as unknown as ConstructorParameters<typeof ReflectionService>[0]).addToServer(server);
}
