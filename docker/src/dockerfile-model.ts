/**
 * What the checks need to know about one of Burrow's Dockerfiles, read with `dockerfile-ast`: the
 * build arguments' defaults, the stages, and the final stage's ENTRYPOINT, CMD, ENV, LABELs, USER,
 * HEALTHCHECK and the files it copies from the build context or from another stage.
 */
import { DockerfileParser } from 'dockerfile-ast';
import type { Instruction } from 'dockerfile-ast';

export interface DockerfileStage {
  /** The image reference as written, e.g. `${NODE_IMAGE}`. */
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface CopyInstruction {
  /** `--from=` stage, or undefined for the build context. */
  from: string | undefined;
  sources: string[];
  destination: string;
}

export interface DockerfileModel {
  /** ARGs declared before the first FROM, and in any stage: name -> default (if any). */
  args: Map<string, string | undefined>;
  stages: DockerfileStage[];
  final: {
    entrypoint: string[] | undefined;
    cmd: string[] | undefined;
    env: Record<string, string>;
    labels: Record<string, string>;
    user: string | undefined;
    healthcheck: string | undefined;
    copies: CopyInstruction[];
  };
}

function unquote(value: string): string {
  return /^(['"]).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** The JSON array of an exec-form instruction, or undefined for the shell form. */
function execForm(instruction: Instruction): string[] | undefined {
  const text = instruction.getArgumentsContent();
  if (text === null) return undefined;
  try {
    const parsed = JSON.parse(text.replace(/\\\r?\n/g, ' ')) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : undefined;
  } catch {
    return undefined;
  }
}

function properties(instruction: Instruction): Record<string, string> {
  const result: Record<string, string> = {};
  const withProperties = instruction as unknown as {
    getProperties?: () => { getName(): string; getValue(): string | null }[];
  };
  for (const property of withProperties.getProperties?.() ?? []) {
    result[property.getName()] = unquote(property.getValue() ?? '');
  }
  return result;
}

export function parseDockerfile(text: string): DockerfileModel {
  const dockerfile = DockerfileParser.parse(text);
  const args = new Map<string, string | undefined>();
  const stages: DockerfileStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const words = instruction.getArguments().map((argument) => argument.getValue());
      const asIndex = words.findIndex((word) => word.toUpperCase() === 'AS');
      stages.push({
        from: words[0] ?? '',
        name: asIndex >= 0 ? words[asIndex + 1] : undefined,
        instructions: [],
      });
      continue;
    }
    if (keyword === 'ARG') {
      const [word = ''] = instruction.getArguments().map((argument) => argument.getValue());
      const equals = word.indexOf('=');
      const name = equals < 0 ? word : word.slice(0, equals);
      const value = equals < 0 ? undefined : unquote(word.slice(equals + 1));
      if (value !== undefined || !args.has(name)) args.set(name, value);
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  const last = stages.at(-1)?.instructions ?? [];
  const final: DockerfileModel['final'] = {
    entrypoint: undefined,
    cmd: undefined,
    env: {},
    labels: {},
    user: undefined,
    healthcheck: undefined,
    copies: [],
  };
  for (const instruction of last) {
    switch (instruction.getKeyword()) {
      case 'ENTRYPOINT':
        final.entrypoint = execForm(instruction);
        break;
      case 'CMD':
        final.cmd = execForm(instruction);
        break;
      case 'ENV':
        Object.assign(final.env, properties(instruction));
        break;
      case 'LABEL':
        Object.assign(final.labels, properties(instruction));
        break;
      case 'USER':
        final.user = instruction.getArgumentsContent() ?? undefined;
        break;
      case 'HEALTHCHECK':
        final.healthcheck = instruction.getArgumentsContent() ?? undefined;
        break;
      case 'COPY': {
        const words = instruction.getArguments().map((argument) => argument.getValue());
        const flags = (
          instruction as unknown as {
            getFlags(): { getName(): string; getValue(): string | null }[];
          }
        ).getFlags();
        const fromFlag = flags.find((flag) => flag.getName() === 'from')?.getValue() ?? undefined;
        const paths = words.filter((word) => !word.startsWith('--'));
        final.copies.push({
          from: fromFlag,
          sources: paths.slice(0, -1),
          destination: paths.at(-1) ?? '',
        });
        break;
      }
      default:
        break;
    }
  }
  return { args, stages, final };
}
